// AppError is recognised by any copy of lib/errors.ts: Next bundles lib/ once per layer (route handlers,
// pages), and they share one set of dependencies, so an error thrown by one copy reaches another.
import { describe, expect, it, vi } from "vitest";
import { AppError, isAppError } from "../../lib/errors";

describe("isAppError across bundles", () => {
  it("recognises an AppError made by another copy of the module", async () => {
    vi.resetModules();
    const copy = await import("../../lib/errors");
    const foreign = new copy.AppError("not_found", "x");
    expect(foreign instanceof AppError).toBe(false);
    expect(isAppError(foreign)).toBe(true);
    expect(isAppError(new AppError("bad_request", "y"))).toBe(true);
    expect(isAppError(new Error("plain"))).toBe(false);
    expect(isAppError({ code: "not_found" })).toBe(false);
  });
});
