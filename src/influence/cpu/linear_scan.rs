//! CPU twin of `shaders/influence/linear_scan.wgsl` (the linear algorithm's chunked scan form
//! for long cascades; host side in `influence/gpu/linear_scan.rs`).

/// CPU twin of `shaders/influence/linear_scan.wgsl`: the five entry points in order, each
/// over every chunk (or cascade), with the kernel's steps in the kernel's order. Chunk-local
/// state (`comp`, `carry`) lives here; `g` and `out` are per event, as on the device.
#[expect(
    clippy::needless_range_loop,
    reason = "k is the invocation index of the kernel's entry points"
)]
pub fn linear_scan_twin<F: num_traits::Float>(
    params: &crate::influence::uniforms::ScanParams,
    index: &[u32],
    dt: &[F],
    w: &[F],
    g: &mut [F],
    out: &mut [F],
) {
    let f = |x: f32| F::from(x).expect("f32 converts to any float");
    let (zero, one) = (F::zero(), F::one());
    let nk = params.n_chunks as usize;
    let nc = params.n_cascades as usize;
    let lo = |k: usize| index[k] as usize;
    let cascade_of = |k: usize| index[nk + 1 + k] as usize;
    let start = |c: usize| index[2 * nk + 1 + c] as usize;
    let chunk0 = |c: usize| index[2 * nk + nc + 2 + c] as usize;
    // The shader's chunk_span: cascade start and end, chunk start and end.
    let span = |k: usize| {
        let c = cascade_of(k);
        (start(c), start(c + 1), lo(k), lo(k + 1))
    };
    let r = f(params.decay);
    let pow_s = |x: F| if params.power == 2 { x * x } else { x };
    let alpha = if params.has_alpha == 1 {
        f(params.alpha)
    } else {
        one
    };
    let a_s = pow_s(alpha);
    let diag = |first: bool| {
        if params.has_alpha == 1 && !first {
            one - f(params.alpha)
        } else {
            one
        }
    };
    // Backward step i − 1 ← i: (m, c) from G_i (the shader's bwd_coeffs).
    let bwd_coeffs = |i: usize, g_i: F| {
        let inv = one / pow_s(g_i);
        (pow_s((-r * dt[i]).exp()) + a_s * pow_s(w[i]) * inv, inv)
    };
    let mut comp = vec![(zero, zero); nk];
    let mut carry = vec![zero; nk];
    // fwd_local
    for k in 0..nk {
        let s0 = start(cascade_of(k));
        let (mut a, mut b) = (one, zero);
        for j in lo(k)..lo(k + 1) {
            if j == s0 {
                (a, b) = (zero, zero);
            } else {
                let e = (-r * dt[j]).exp();
                a = e * a;
                b = e * (b + w[j - 1]);
            }
        }
        comp[k] = (a, b);
    }
    // fwd_carry
    for c in 0..nc {
        let mut d = zero;
        for k in chunk0(c)..chunk0(c + 1) {
            carry[k] = d;
            d = comp[k].0 * d + comp[k].1;
        }
    }
    // fwd_apply
    for k in 0..nk {
        let (s0, end, p, q) = span(k);
        let mut d = carry[k];
        for j in p..q {
            if j == s0 {
                d = zero;
                g[j] = zero;
            } else {
                let gj = d + w[j - 1];
                g[j] = gj;
                d = (-r * dt[j]).exp() * gj;
            }
        }
        let g_top = if q < end { d + w[q - 1] } else { zero };
        let top = if q == end { end - 1 } else { q };
        let (mut a, mut b) = (one, zero);
        let mut g1 = if q == end { g[top] } else { g_top };
        for i in (p + 1..=top).rev() {
            let (m, c) = bwd_coeffs(i, g1);
            a = m * a;
            b = m * b + c;
            g1 = g[i - 1];
        }
        comp[k] = (a, b);
    }
    // bwd_carry
    for c in 0..nc {
        let (k0, k1) = (chunk0(c), chunk0(c + 1));
        let mut u = zero;
        for k in (k0..k1).rev() {
            carry[k] = u;
            u = if k + 1 == k1 {
                comp[k].1
            } else {
                comp[k].0 * u + comp[k].1
            };
        }
    }
    // bwd_apply
    for k in 0..nk {
        let (s0, end, p, q) = span(k);
        let top = if q == end {
            out[end - 1] = if params.self_included == 1 {
                diag(end - 1 == s0)
            } else {
                zero
            };
            end - 1
        } else {
            q
        };
        let mut u = carry[k];
        for i in (p + 1..=top).rev() {
            let (m, c) = bwd_coeffs(i, g[i]);
            u = m * u + c;
            let y = a_s * pow_s(w[i - 1]) * u;
            let v = if params.self_included == 1 {
                one + y
            } else {
                y
            };
            out[i - 1] = diag(i - 1 == s0) * v;
        }
    }
}
