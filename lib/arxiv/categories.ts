// arXiv's category taxonomy (https://arxiv.org/category_taxonomy). A feed may only name these, so a
// crawler inventing categories never reaches arXiv; arXiv's own "Feed error" still maps to 404.

const ARCHIVES: Record<string, { name: string; subjects?: Record<string, string> }> = {
  cs: {
    name: "Computer Science",
    subjects: {
      AI: "Artificial Intelligence", AR: "Hardware Architecture", CC: "Computational Complexity",
      CE: "Computational Engineering, Finance, and Science", CG: "Computational Geometry",
      CL: "Computation and Language", CR: "Cryptography and Security",
      CV: "Computer Vision and Pattern Recognition", CY: "Computers and Society", DB: "Databases",
      DC: "Distributed, Parallel, and Cluster Computing", DL: "Digital Libraries", DM: "Discrete Mathematics",
      DS: "Data Structures and Algorithms", ET: "Emerging Technologies",
      FL: "Formal Languages and Automata Theory", GL: "General Literature", GR: "Graphics",
      GT: "Computer Science and Game Theory", HC: "Human-Computer Interaction", IR: "Information Retrieval",
      IT: "Information Theory", LG: "Machine Learning", LO: "Logic in Computer Science",
      MA: "Multiagent Systems", MM: "Multimedia", MS: "Mathematical Software", NA: "Numerical Analysis",
      NE: "Neural and Evolutionary Computing", NI: "Networking and Internet Architecture",
      OH: "Other Computer Science", OS: "Operating Systems", PF: "Performance",
      PL: "Programming Languages", RO: "Robotics", SC: "Symbolic Computation", SD: "Sound",
      SE: "Software Engineering", SI: "Social and Information Networks", SY: "Systems and Control",
    },
  },
  econ: {
    name: "Economics",
    subjects: { EM: "Econometrics", GN: "General Economics", TH: "Theoretical Economics" },
  },
  eess: {
    name: "Electrical Engineering and Systems Science",
    subjects: {
      AS: "Audio and Speech Processing", IV: "Image and Video Processing", SP: "Signal Processing",
      SY: "Systems and Control",
    },
  },
  math: {
    name: "Mathematics",
    subjects: {
      AC: "Commutative Algebra", AG: "Algebraic Geometry", AP: "Analysis of PDEs", AT: "Algebraic Topology",
      CA: "Classical Analysis and ODEs", CO: "Combinatorics", CT: "Category Theory", CV: "Complex Variables",
      DG: "Differential Geometry", DS: "Dynamical Systems", FA: "Functional Analysis",
      GM: "General Mathematics", GN: "General Topology", GR: "Group Theory", GT: "Geometric Topology",
      HO: "History and Overview", IT: "Information Theory", KT: "K-Theory and Homology", LO: "Logic",
      MG: "Metric Geometry", MP: "Mathematical Physics", NA: "Numerical Analysis", NT: "Number Theory",
      OA: "Operator Algebras", OC: "Optimization and Control", PR: "Probability", QA: "Quantum Algebra",
      RA: "Rings and Algebras", RT: "Representation Theory", SG: "Symplectic Geometry", SP: "Spectral Theory",
      ST: "Statistics Theory",
    },
  },
  "astro-ph": {
    name: "Astrophysics",
    subjects: {
      CO: "Cosmology and Nongalactic Astrophysics", EP: "Earth and Planetary Astrophysics",
      GA: "Astrophysics of Galaxies", HE: "High Energy Astrophysical Phenomena",
      IM: "Instrumentation and Methods for Astrophysics", SR: "Solar and Stellar Astrophysics",
    },
  },
  "cond-mat": {
    name: "Condensed Matter",
    subjects: {
      "dis-nn": "Disordered Systems and Neural Networks", "mes-hall": "Mesoscale and Nanoscale Physics",
      "mtrl-sci": "Materials Science", other: "Other Condensed Matter", "quant-gas": "Quantum Gases",
      soft: "Soft Condensed Matter", "stat-mech": "Statistical Mechanics",
      "str-el": "Strongly Correlated Electrons", "supr-con": "Superconductivity",
    },
  },
  "gr-qc": { name: "General Relativity and Quantum Cosmology" },
  "hep-ex": { name: "High Energy Physics - Experiment" },
  "hep-lat": { name: "High Energy Physics - Lattice" },
  "hep-ph": { name: "High Energy Physics - Phenomenology" },
  "hep-th": { name: "High Energy Physics - Theory" },
  "math-ph": { name: "Mathematical Physics" },
  nlin: {
    name: "Nonlinear Sciences",
    subjects: {
      AO: "Adaptation and Self-Organizing Systems", CD: "Chaotic Dynamics",
      CG: "Cellular Automata and Lattice Gases", PS: "Pattern Formation and Solitons",
      SI: "Exactly Solvable and Integrable Systems",
    },
  },
  "nucl-ex": { name: "Nuclear Experiment" },
  "nucl-th": { name: "Nuclear Theory" },
  physics: {
    name: "Physics",
    subjects: {
      "acc-ph": "Accelerator Physics", "ao-ph": "Atmospheric and Oceanic Physics", "app-ph": "Applied Physics",
      "atm-clus": "Atomic and Molecular Clusters", "atom-ph": "Atomic Physics", "bio-ph": "Biological Physics",
      "chem-ph": "Chemical Physics", "class-ph": "Classical Physics", "comp-ph": "Computational Physics",
      "data-an": "Data Analysis, Statistics and Probability", "ed-ph": "Physics Education",
      "flu-dyn": "Fluid Dynamics", "gen-ph": "General Physics", "geo-ph": "Geophysics",
      "hist-ph": "History and Philosophy of Physics", "ins-det": "Instrumentation and Detectors",
      "med-ph": "Medical Physics", optics: "Optics", "plasm-ph": "Plasma Physics",
      "pop-ph": "Popular Physics", "soc-ph": "Physics and Society", "space-ph": "Space Physics",
    },
  },
  "quant-ph": { name: "Quantum Physics" },
  "q-bio": {
    name: "Quantitative Biology",
    subjects: {
      BM: "Biomolecules", CB: "Cell Behavior", GN: "Genomics", MN: "Molecular Networks",
      NC: "Neurons and Cognition", OT: "Other Quantitative Biology", PE: "Populations and Evolution",
      QM: "Quantitative Methods", SC: "Subcellular Processes", TO: "Tissues and Organs",
    },
  },
  "q-fin": {
    name: "Quantitative Finance",
    subjects: {
      CP: "Computational Finance", EC: "Economics", GN: "General Finance", MF: "Mathematical Finance",
      PM: "Portfolio Management", PR: "Pricing of Securities", RM: "Risk Management",
      ST: "Statistical Finance", TR: "Trading and Market Microstructure",
    },
  },
  stat: {
    name: "Statistics",
    subjects: {
      AP: "Applications", CO: "Computation", ME: "Methodology", ML: "Machine Learning",
      OT: "Other Statistics", TH: "Statistics Theory",
    },
  },
};

/** Canonical spelling by lower-case key, so `cs.ai` finds `cs.AI`. */
const CANONICAL = new Map<string, { code: string; name: string }>();
for (const [archive, { name, subjects }] of Object.entries(ARCHIVES)) {
  CANONICAL.set(archive.toLowerCase(), { code: archive, name });
  for (const [subject, subjectName] of Object.entries(subjects ?? {})) {
    const code = `${archive}.${subject}`;
    CANONICAL.set(code.toLowerCase(), { code, name: subjectName });
  }
}

/** The canonical code of a category or archive (`cs.ai` → `cs.AI`), or undefined if arXiv has none. */
export function canonicalCategory(code: string): string | undefined {
  return CANONICAL.get(code.trim().toLowerCase())?.code;
}

export function categoryName(code: string): string | undefined {
  return CANONICAL.get(code.toLowerCase())?.name;
}
