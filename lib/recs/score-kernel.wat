;; The dot products of every ranking (lib/recs/rank.ts dotAll) as a WebAssembly SIMD kernel: the
;; scalar JavaScript loop runs five times above the memory floor, because it does one multiply-add per
;; element; this does four (float32) or sixteen (int8) per instruction group.
;;
;; Compiled by scripts/build-kernel.ts (wabt) into lib/recs/score-kernel.generated.ts; the wrapper
;; that owns the memory layout is lib/recs/rank-wasm.ts. Pointers are byte offsets into the exported
;; memory; every row starts 16-byte aligned.
(module
  (memory (export "memory") 1)

  ;; out[i] = dot(user, items[i]), rows of d float32, d a multiple of 4.
  (func (export "score_f32")
    (param $items i32) (param $n i32) (param $d i32) (param $user i32) (param $out i32)
    (local $end i32) (local $rowBytes i32) (local $k i32) (local $acc v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (loop $cols
          (local.set $acc
            (f32x4.add (local.get $acc)
              (f32x4.mul
                (v128.load (i32.add (local.get $items) (local.get $k)))
                (v128.load (i32.add (local.get $user) (local.get $k))))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $cols (i32.lt_u (local.get $k) (local.get $rowBytes))))
        (f32.store (local.get $out)
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $items (i32.add (local.get $items) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $rows))))

  ;; out[i] = scale[i] * userScale * dot(uq, q[i]): rows of d int8 (d a multiple of 16),
  ;; the user vector quantised to int16. Products and sums stay exact in int32 for d <= 512.
  (func (export "score_i8")
    (param $q i32) (param $scales i32) (param $n i32) (param $d i32) (param $uq i32)
    (param $userScale f32) (param $out i32)
    (local $end i32) (local $k i32) (local $acc v128) (local $v v128) (local $u i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (local.set $u (local.get $uq))
        (loop $cols
          (local.set $v (v128.load (i32.add (local.get $q) (local.get $k))))
          (local.set $acc
            (i32x4.add
              (i32x4.add (local.get $acc)
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load (local.get $u))))
              (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=16 (local.get $u)))))
          (local.set $u (i32.add (local.get $u) (i32.const 32)))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br_if $cols (i32.lt_u (local.get $k) (local.get $d))))
        (f32.store (local.get $out)
          (f32.mul
            (f32.mul (f32.load (local.get $scales)) (local.get $userScale))
            (f32.convert_i32_s
              (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))))
        (local.set $q (i32.add (local.get $q) (local.get $d)))
        (local.set $scales (i32.add (local.get $scales) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $rows)))))
