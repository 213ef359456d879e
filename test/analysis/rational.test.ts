import { describe, expect, it } from "vitest";
import { Q } from "../../analysis/rational.js";

describe("exact rationals", () => {
  it("normalises and does arithmetic", () => {
    expect(Q.of(6, -4).toString()).toBe("-3/2");
    expect(Q.of(1, 3).add(Q.of(1, 6)).toString()).toBe("1/2");
    expect(Q.of(2, 3).mul(Q.of(3, 4)).toString()).toBe("1/2");
    expect(Q.of(1, 3).sub(Q.of(1, 2)).toString()).toBe("-1/6");
    expect(Q.of(1, 3).div(Q.of(2, 3)).toString()).toBe("1/2");
    expect(Q.of(1, 3).cmp(Q.of(1, 2))).toBe(-1);
    expect(Q.of(2, 4).eq(Q.of(1, 2))).toBe(true);
  });

  it("parses decimals, exponents and fractions", () => {
    expect(Q.parse("0.25").toString()).toBe("1/4");
    expect(Q.parse("-1.5e2").toString()).toBe("-150");
    expect(Q.parse("2.5e-3").toString()).toBe("1/400");
    expect(Q.parse("-2/6").toString()).toBe("-1/3");
    expect(() => Q.parse("abc")).toThrow();
  });

  it("reads float32 values as the decimals they were written as", () => {
    expect(Q.fromFloat32(Math.fround(0.1)).toString()).toBe("1/10");
    expect(Q.fromFloat32(Math.fround(1.6)).toString()).toBe("8/5");
    expect(Q.fromFloat32(Math.fround(-10)).toString()).toBe("-10");
    expect(Q.fromFloat32(Math.fround(1 / 3)).toNumber()).toBeCloseTo(1 / 3, 7);
  });

  it("prints finite decimals as decimals", () => {
    expect(Q.of(1, 4).toDecimalString()).toBe("0.25");
    expect(Q.of(-3, 8).toDecimalString()).toBe("-0.375");
    expect(Q.of(1, 3).toDecimalString()).toBe("1/3");
    expect(Q.of(7, 1).toDecimalString()).toBe("7");
  });
});
