/**
 * Exact rational arithmetic on BigInt, for the solvers that promise exact answers.
 *
 * A `Q` is always normalised: the denominator is positive and coprime to the numerator.
 */

export class Q {
  private constructor(
    readonly n: bigint,
    readonly d: bigint,
  ) {}

  static readonly ZERO = new Q(0n, 1n);
  static readonly ONE = new Q(1n, 1n);

  static of(n: bigint | number, d: bigint | number = 1n): Q {
    let nn = typeof n === "number" ? BigInt(n) : n;
    let dd = typeof d === "number" ? BigInt(d) : d;
    if (dd === 0n) throw new RangeError("rational with a zero denominator");
    if (dd < 0n) {
      nn = -nn;
      dd = -dd;
    }
    const g = gcd(nn < 0n ? -nn : nn, dd);
    return g === 1n ? new Q(nn, dd) : new Q(nn / g, dd / g);
  }

  /** An integer-valued JS number, or a decimal string such as `-0.25` or `1e-3`, or `p/q`. */
  static parse(text: string): Q {
    const s = text.trim();
    const slash = s.indexOf("/");
    if (slash >= 0) return Q.parse(s.slice(0, slash)).div(Q.parse(s.slice(slash + 1)));
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new SyntaxError(`not a number: ${text}`);
    const [, sign, whole, frac = "", exp = "0"] = m;
    let n = BigInt((whole || "0") + frac);
    let d = 10n ** BigInt(frac.length);
    const e = Number(exp);
    if (e > 0) n *= 10n ** BigInt(e);
    else if (e < 0) d *= 10n ** BigInt(-e);
    return Q.of(sign === "-" ? -n : n, d);
  }

  /**
   * The rational a float32 value stands for: the shortest decimal that rounds to the same
   * float32 (so `Math.fround(0.1)` reads as 1/10 and `5` as 5). This is what the
   * environment's numbers were written as, in all but contrived cases.
   */
  static fromFloat32(v: number): Q {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return Q.of(BigInt(v));
    const f = Math.fround(v);
    for (let p = 1; p <= 9; p++) {
      const s = f.toPrecision(p);
      if (Math.fround(Number(s)) === f) return Q.parse(s);
    }
    return Q.fromFloat64(v);
  }

  /** The shortest decimal that reads back as the same float64. */
  static fromFloat64(v: number): Q {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) return Q.of(BigInt(v));
    return Q.parse(String(v));
  }

  /** The exact value of a finite double (every float32 is one): a dyadic rational. */
  static fromDouble(v: number): Q {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    if (Number.isInteger(v)) return Q.of(BigInt(v));
    let d = 1n;
    let x = v;
    // Doubling is exact until the value is an integer (at most 1074 steps).
    while (!Number.isInteger(x)) {
      x *= 2;
      d *= 2n;
    }
    return Q.of(BigInt(x), d);
  }

  /** Floor, as an integer. */
  floor(): bigint {
    const q = this.n / this.d;
    return this.n < 0n && q * this.d !== this.n ? q - 1n : q;
  }

  /** `v` rounded to the nearest multiple of 1/`denominator`. */
  static round(v: number, denominator: number): Q {
    return Q.of(BigInt(Math.round(v * denominator)), BigInt(denominator));
  }

  add(o: Q): Q {
    if (this.d === o.d) return Q.of(this.n + o.n, this.d);
    return Q.of(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Q): Q {
    if (this.d === o.d) return Q.of(this.n - o.n, this.d);
    return Q.of(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Q): Q {
    return Q.of(this.n * o.n, this.d * o.d);
  }
  div(o: Q): Q {
    if (o.n === 0n) throw new RangeError("division by zero");
    return Q.of(this.n * o.d, this.d * o.n);
  }
  neg(): Q {
    return new Q(-this.n, this.d);
  }
  cmp(o: Q): number {
    const a = this.n * o.d;
    const b = o.n * this.d;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  eq(o: Q): boolean {
    return this.n === o.n && this.d === o.d;
  }
  sign(): number {
    return this.n < 0n ? -1 : this.n > 0n ? 1 : 0;
  }
  isZero(): boolean {
    return this.n === 0n;
  }
  isInteger(): boolean {
    return this.d === 1n;
  }
  toNumber(): number {
    // Exact enough for reporting: divide with 17 significant digits.
    if (this.d === 1n) return Number(this.n);
    const n = Number(this.n);
    const d = Number(this.d);
    if (Number.isFinite(n) && Number.isFinite(d) && Math.abs(n) < 2 ** 53 && d < 2 ** 53) return n / d;
    const scale = 10n ** 20n;
    return Number((this.n * scale) / this.d) / 1e20;
  }
  /** `3`, `-1/3`. */
  toString(): string {
    return this.d === 1n ? this.n.toString() : `${this.n}/${this.d}`;
  }
  /** A finite decimal (`0.25`) when there is one, else `p/q`. */
  toDecimalString(): string {
    if (this.d === 1n) return this.n.toString();
    let d = this.d;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
      d /= 2n;
      twos++;
    }
    while (d % 5n === 0n) {
      d /= 5n;
      fives++;
    }
    if (d !== 1n) return this.toString();
    const digits = Math.max(twos, fives);
    const scaled = (this.n * 10n ** BigInt(digits)) / this.d;
    const neg = scaled < 0n;
    const abs = (neg ? -scaled : scaled).toString().padStart(digits + 1, "0");
    const text = `${abs.slice(0, abs.length - digits)}.${abs.slice(abs.length - digits)}`;
    return neg ? `-${text}` : text;
  }
}

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  return (a / gcd(a, b)) * b;
}

export function qmax(values: readonly Q[]): Q {
  return values.reduce((a, b) => (b.cmp(a) > 0 ? b : a));
}

export function qmin(values: readonly Q[]): Q {
  return values.reduce((a, b) => (b.cmp(a) < 0 ? b : a));
}

export function qsum(values: readonly Q[]): Q {
  return values.reduce((a, b) => a.add(b), Q.ZERO);
}
