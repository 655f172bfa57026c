;; The two-tower training step's in-batch products as a WebAssembly SIMD kernel (float64, two lanes). In
;; JavaScript they were half of a step: B² row pairs of d multiply-adds forward and twice that backward, one
;; scalar multiply-add at a time. Here each lane is a different output, so every output is summed in the same
;; order as the scalar loop would sum it: the results are the same bits as models/train.ts's reference loops
;; (tested), only faster.
;;
;; Compiled by scripts/build-kernel.ts (wabt) into models/train-kernel.generated.ts; the wrapper that owns
;; the memory layout is models/train-kernel.ts. Pointers are byte offsets into the exported memory; every
;; array starts 16-byte aligned. Rows are float64.
(module
  (memory (export "memory") 1)

  ;; out[i][j] = Σ_k a[i][k] · bt[k][j] for i < n, j < m (k ascending): a is [n][d], bt is b transposed,
  ;; [d][m], m a multiple of 8: eight columns at once (four two-lane accumulators), so a[i][k] is read once per eight.
  (func (export "gram")
    (param $a i32) (param $n i32) (param $bt i32) (param $m i32) (param $d i32) (param $out i32)
    (local $i i32) (local $j i32) (local $k i32) (local $arow i32) (local $col i32) (local $mBytes i32)
    (local $x v128) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128) (local $p i32)
    (local.set $mBytes (i32.shl (local.get $m) (i32.const 3)))
    (local.set $i (i32.const 0))
    (block $doneI
      (loop $rowsI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $arow (i32.add (local.get $a) (i32.mul (local.get $i) (i32.shl (local.get $d) (i32.const 3)))))
        (local.set $j (i32.const 0))
        (block $doneJ
          (loop $colsJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $m)))
            (local.set $acc0 (v128.const i64x2 0 0))
            (local.set $acc1 (v128.const i64x2 0 0))
            (local.set $acc2 (v128.const i64x2 0 0))
            (local.set $acc3 (v128.const i64x2 0 0))
            (local.set $col (i32.add (local.get $bt) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $k (i32.const 0))
            (loop $inner
              (local.set $x (f64x2.splat (f64.load (i32.add (local.get $arow) (i32.shl (local.get $k) (i32.const 3))))))
              (local.set $p (i32.add (local.get $col) (i32.mul (local.get $k) (local.get $mBytes))))
              (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (local.get $x) (v128.load (local.get $p)))))
              (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul (local.get $x) (v128.load offset=16 (local.get $p)))))
              (local.set $acc2 (f64x2.add (local.get $acc2) (f64x2.mul (local.get $x) (v128.load offset=32 (local.get $p)))))
              (local.set $acc3 (f64x2.add (local.get $acc3) (f64x2.mul (local.get $x) (v128.load offset=48 (local.get $p)))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $inner (i32.lt_u (local.get $k) (local.get $d))))
            (local.set $p (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j)) (i32.const 3))))
            (v128.store (local.get $p) (local.get $acc0))
            (v128.store offset=16 (local.get $p) (local.get $acc1))
            (v128.store offset=32 (local.get $p) (local.get $acc2))
            (v128.store offset=48 (local.get $p) (local.get $acc3))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $colsJ)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowsI))))

  ;; out[r] = Σ_c g[r][c] · x[c] for r < rows (c ascending, zero g skipped): g is [rows][cols], x is
  ;; [cols][d], out is [rows][d], d a multiple of 2. The output row is overwritten.
  (func (export "mix")
    (param $g i32) (param $rows i32) (param $cols i32) (param $x i32) (param $d i32) (param $out i32)
    (local $r i32) (local $c i32) (local $k i32) (local $rowBytes i32) (local $orow i32) (local $xrow i32)
    (local $w f64) (local $wv v128) (local $gp i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $r (i32.const 0))
    (local.set $gp (local.get $g))
    (block $doneR
      (loop $rowsR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $orow (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $rowBytes))))
        (memory.fill (local.get $orow) (i32.const 0) (local.get $rowBytes))
        (local.set $xrow (local.get $x))
        (local.set $c (i32.const 0))
        (block $doneC
          (loop $colsC
            (br_if $doneC (i32.ge_u (local.get $c) (local.get $cols)))
            (local.set $w (f64.load (local.get $gp)))
            (if (f64.ne (local.get $w) (f64.const 0))
              (then
                (local.set $wv (f64x2.splat (local.get $w)))
                (local.set $k (i32.const 0))
                (loop $inner
                  (v128.store (i32.add (local.get $orow) (local.get $k))
                    (f64x2.add (v128.load (i32.add (local.get $orow) (local.get $k)))
                      (f64x2.mul (local.get $wv) (v128.load (i32.add (local.get $xrow) (local.get $k))))))
                  (local.set $k (i32.add (local.get $k) (i32.const 16)))
                  (br_if $inner (i32.lt_u (local.get $k) (local.get $rowBytes))))))
            (local.set $gp (i32.add (local.get $gp) (i32.const 8)))
            (local.set $xrow (i32.add (local.get $xrow) (local.get $rowBytes)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $colsC)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsR))))
)
