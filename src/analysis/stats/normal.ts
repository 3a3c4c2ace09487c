/**
 * Standard normal distribution: erfc, CDF, survival function and quantile (probit).
 *
 * erfc follows W. J. Cody, "Rational Chebyshev approximations for the error function",
 * Math. Comp. 23 (1969): three rational fits, relative error near 1e-16 including the far tail.
 * The quantile follows M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
 * distribution", Applied Statistics 37 (1988), PPND16: relative error about 1e-16.
 * Polynomial coefficients below are the published values.
 */

const ONE_OVER_SQRT_PI = 0.5641895835477563;

// erf(x) = x·A(x²)/B(x²) on |x| ≤ 0.46875.
const ERF_A = [3.1611237438705656, 113.86415415105016, 377.485237685302, 3209.3775891384695, 0.18577770618460315];
const ERF_B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.2368334391706];
// erfc(x) = exp(−x²)·C(x)/D(x) on 0.46875 < x ≤ 4.
const ERFC_C = [
  0.5641884969886701, 8.883149794388376, 66.11919063714163, 298.6351381974001, 881.9522212417691, 1712.0476126340707, 2051.0783778260716, 1230.3393547979972,
  2.1531153547440383e-8,
];
const ERFC_D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597, 4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
// erfc(x) = exp(−x²)/x·(1/√π + R(1/x²)) for x > 4.
const ERFC_P = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 6.587491615298378e-4, 0.016315387137302097];
const ERFC_Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];

/** Beyond this erfc(x) underflows to 0 in double precision. */
const ERFC_UNDERFLOW = 26.543;

/**
 * exp(−y²) without the error amplification of squaring a rounded y: split y = h + (y − h) with h a
 * multiple of 1/16 so that h² is exact, as Cody does.
 */
function expMinusSquare(y: number): number {
  const h = Math.trunc(y * 16) / 16;
  const rest = (y - h) * (y + h);
  return Math.exp(-h * h) * Math.exp(-rest);
}

/** erfc for y ≥ 0. */
function erfcNonNegative(y: number): number {
  if (y <= 0.46875) {
    const t = y * y;
    let num = ERF_A[4]! * t;
    let den = t;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]!) * t;
      den = (den + ERF_B[i]!) * t;
    }
    return 1 - (y * (num + ERF_A[3]!)) / (den + ERF_B[3]!);
  }
  if (y >= ERFC_UNDERFLOW) return 0;
  let ratio: number;
  if (y <= 4) {
    let num = ERFC_C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERFC_C[i]!) * y;
      den = (den + ERFC_D[i]!) * y;
    }
    ratio = (num + ERFC_C[7]!) / (den + ERFC_D[7]!);
  } else {
    const z = 1 / (y * y);
    let num = ERFC_P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERFC_P[i]!) * z;
      den = (den + ERFC_Q[i]!) * z;
    }
    ratio = (ONE_OVER_SQRT_PI - (z * (num + ERFC_P[4]!)) / (den + ERFC_Q[4]!)) / y;
  }
  return expMinusSquare(y) * ratio;
}

/** Complementary error function erfc(x) = 1 − erf(x); NaN in, NaN out. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** Φ(x) = P(Z ≤ x) for a standard normal Z; accurate relative to its value deep into the lower tail. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** 1 − Φ(x) = P(Z > x), computed directly so that upper-tail p-values keep their relative accuracy. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

// AS 241 (PPND16) coefficients, highest degree first for Horner's rule.
const CENTRAL_NUM = [
  2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457, 13731.693765509461125, 1971.5909503065514427,
  133.14166789178437745, 3.387132872796366608,
];
const CENTRAL_DEN = [
  5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867, 5394.1960214247511077, 687.1870074920579083, 42.313330701600911252,
  1,
];
const NEAR_NUM = [
  7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258, 3.64784832476320460504, 5.7694972214606914055,
  4.6303378461565452959, 1.42343711074968357734,
];
const NEAR_DEN = [
  1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966, 0.14810397642748007459, 0.68976733498510000455, 1.6763848301838038494,
  2.05319162663775882187, 1,
];
const FAR_NUM = [
  2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386, 0.026532189526576123093, 0.29656057182850489123, 1.7848265399172913358,
  5.4637849111641143699, 6.6579046435011037772,
];
const FAR_DEN = [
  2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4, 0.0148753612908506148525, 0.13692988092273580531,
  0.59983220655588793769, 1,
];

function horner(coefficients: readonly number[], x: number): number {
  let acc = 0;
  for (const c of coefficients) acc = acc * x + c;
  return acc;
}

/**
 * Standard normal quantile Φ⁻¹(p) (probit). normalQuantile(0.975) = 1.959963984540054.
 * @throws RangeError when p is outside [0, 1]; 0 and 1 give ∓Infinity.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`normalQuantile: p must be a probability in [0, 1], got ${p}.`);
  }
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(CENTRAL_NUM, r)) / horner(CENTRAL_DEN, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let x: number;
  if (r <= 5) {
    r -= 1.6;
    x = horner(NEAR_NUM, r) / horner(NEAR_DEN, r);
  } else {
    r -= 5;
    x = horner(FAR_NUM, r) / horner(FAR_DEN, r);
  }
  return q < 0 ? -x : x;
}
