// Pure: what arXiv identifiers look like, and the arXiv pages of a paper. Links are always made from the
// id, never taken from a feed or a stored value, so an item can only ever point at arxiv.org.

const ID_NEW = /^\d{4}\.\d{4,5}$/;
const ID_OLD = /^[a-z-]+(?:\.[A-Za-z-]+)?\/\d{7}$/;
/** An id with its version, anywhere in a text: `2606.30639v2`, `hep-th/9901001v1`. */
export const VERSIONED_ID = /(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Za-z-]+)?\/\d{7})v(\d+)/;
/** A category code as arXiv writes them: `cs.AI`, `hep-th`, `cond-mat.mes-hall`, `q-bio.NC`. */
const CATEGORY_CODE = /^[a-z][a-z-]{0,15}(?:\.[A-Za-z][A-Za-z-]{0,23})?$/;

/** A versionless arXiv id, new style (`2606.30639`) or old (`hep-th/9901001`). */
export function isArxivId(id: string): boolean {
  return ID_NEW.test(id) || ID_OLD.test(id);
}

export function isCategoryCode(code: string): boolean {
  return CATEGORY_CODE.test(code);
}

export interface ArxivLinks {
  abs: string;
  pdf: string;
  html: string;
  bibtex: string;
}

export function arxivLinks(id: string): ArxivLinks {
  return {
    abs: `https://arxiv.org/abs/${id}`,
    pdf: `https://arxiv.org/pdf/${id}`,
    html: `https://arxiv.org/html/${id}`,
    bibtex: `https://arxiv.org/bibtex/${id}`,
  };
}
