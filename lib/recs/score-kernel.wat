;; A ranking as a WebAssembly SIMD kernel, in three steps over the kernel's memory: the dot products
;; (score_f32, score_i8: lib/recs/rank.ts dotAll; the scalar JavaScript loop runs five times above the
;; memory floor, because it does one multiply-add per element; these do four (float32) or sixteen (int8)
;; per instruction group), the explore head's dense pass (head: lib/recs/score.ts scoreHead's operations in
;; the same order, so its scores equal JavaScript's to the bit) and the top-K (top_k: rank.ts topK's rule).
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
        (br $rows))))

  ;; A head's dense pass over the dot products in `out`, in place (lib/recs/score.ts scoreHead, the same
  ;; operations in the same order and precision, so the scores are the JavaScript ones to the bit):
  ;;   out[i] = f32(wDot·dot + constant[i] + wCat·catShare[category[i]] − wPrice·|logPrice[i] − mean|)
  ;; (the last two with a history only), then + the co-purchase term of the items listed in coIds
  ;; (ascending, terms in f64), then + wDesign · the largest tokenShare among the item's name tokens (when
  ;; $design and that share is above 0), each rounded to float32 as JavaScript stores it. The tokens are a
  ;; matrix `words`: $width uint16 per item (at least 1), padded with a bucket whose share is always 0.
  ;; The largest share is kept with a compare and select, not f32.max, whose NaN and signed-zero rules cost
  ;; V8 a branchy sequence per word (shares are never NaN or negative).
  ;; Four items at a time (f64x2 lanes: IEEE operations per lane, so the same bits as one at a time) wherever
  ;; none of the four has a co-purchase term; one at a time otherwise and for the last n mod 4. Written out
  ;; without helper functions: V8 does not inline wasm calls here, and a call per item doubled the time.
  (func (export "head")
    (param $out i32) (param $n i32) (param $constant i32) (param $category i32) (param $logPrice i32)
    (param $words i32) (param $width i32) (param $catShare i32) (param $tokenShare i32)
    (param $coIds i32) (param $coTerms i32) (param $coCount i32)
    (param $wDot f64) (param $wCat f64) (param $wPrice f64) (param $wDesign f64) (param $mean f64)
    (param $history i32) (param $design i32)
    (local $i i32) (local $v f64) (local $r f32) (local $c i32) (local $nextCo i32)
    (local $p i32) (local $end i32) (local $row i32) (local $s f32) (local $b0 f32) (local $b1 f32) (local $b2 f32) (local $b3 f32)
    (local $d4 v128) (local $lo v128) (local $hi v128) (local $x4 v128) (local $r4 v128)
    (local $wDot2 v128) (local $wCat2 v128) (local $wPrice2 v128) (local $wDesign2 v128) (local $mean2 v128)
    (local.set $wDot2 (f64x2.splat (local.get $wDot)))
    (local.set $wCat2 (f64x2.splat (local.get $wCat)))
    (local.set $wPrice2 (f64x2.splat (local.get $wPrice)))
    (local.set $wDesign2 (f64x2.splat (local.get $wDesign)))
    (local.set $mean2 (f64x2.splat (local.get $mean)))
    (local.set $nextCo (if (result i32) (local.get $coCount) (then (i32.load (local.get $coIds))) (else (i32.const -1))))
    (local.set $row (i32.shl (local.get $width) (i32.const 1)))
    (block $done
      (loop $items
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.and
              (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $n))
              ;; unsigned: no more co-purchase items (−1) compares as the largest
              (i32.ge_u (local.get $nextCo) (i32.add (local.get $i) (i32.const 4))))
          (then
            ;; Four items: lanes 0 and 1 in $lo, 2 and 3 in $hi (the shuffle 8..15 0..7 moves float32 lanes 2
            ;; and 3 down for promote_low; the shuffle 0..7 16..23 joins two demoted pairs back into four).
            (local.set $d4 (v128.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $x4 (v128.load (i32.add (local.get $constant) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $lo (f64x2.add (f64x2.mul (local.get $wDot2) (f64x2.promote_low_f32x4 (local.get $d4)))
                                      (f64x2.promote_low_f32x4 (local.get $x4))))
            (local.set $hi (f64x2.add (f64x2.mul (local.get $wDot2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d4) (local.get $d4))))
                                      (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x4) (local.get $x4)))))
            (if (local.get $history)
              (then
                (local.set $x4
                  (f32x4.replace_lane 3
                    (f32x4.replace_lane 2
                      (f32x4.replace_lane 1
                        (f32x4.splat (f32.load (i32.add (local.get $catShare) (i32.shl (i32.load8_u (i32.add (local.get $category) (local.get $i))) (i32.const 2)))))
                        (f32.load (i32.add (local.get $catShare) (i32.shl (i32.load8_u (i32.add (local.get $category) (i32.add (local.get $i) (i32.const 1)))) (i32.const 2)))))
                      (f32.load (i32.add (local.get $catShare) (i32.shl (i32.load8_u (i32.add (local.get $category) (i32.add (local.get $i) (i32.const 2)))) (i32.const 2)))))
                    (f32.load (i32.add (local.get $catShare) (i32.shl (i32.load8_u (i32.add (local.get $category) (i32.add (local.get $i) (i32.const 3)))) (i32.const 2))))))
                (local.set $lo (f64x2.add (local.get $lo) (f64x2.mul (local.get $wCat2) (f64x2.promote_low_f32x4 (local.get $x4)))))
                (local.set $hi (f64x2.add (local.get $hi) (f64x2.mul (local.get $wCat2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x4) (local.get $x4))))))
                (local.set $x4 (v128.load (i32.add (local.get $logPrice) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $lo (f64x2.sub (local.get $lo)
                  (f64x2.mul (local.get $wPrice2) (f64x2.abs (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x4)) (local.get $mean2))))))
                (local.set $hi (f64x2.sub (local.get $hi)
                  (f64x2.mul (local.get $wPrice2) (f64x2.abs (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x4) (local.get $x4))) (local.get $mean2))))))))
            (local.set $r4 (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
            (if (local.get $design)
              (then
                ;; Each item's largest share among its words: the four rows of `words` side by side, one word
                ;; of each per step (padding has share 0).
                (local.set $p (i32.add (local.get $words) (i32.mul (local.get $i) (local.get $row))))
                (local.set $end (i32.add (local.get $p) (local.get $row)))
                (local.set $b0 (f32.const 0))
                (local.set $b1 (f32.const 0))
                (local.set $b2 (f32.const 0))
                (local.set $b3 (f32.const 0))
                (loop $word4
                  (local.set $s (f32.load (i32.add (local.get $tokenShare)
                    (i32.shl (i32.load16_u (local.get $p)) (i32.const 2)))))
                  (local.set $b0 (select (local.get $s) (local.get $b0) (f32.gt (local.get $s) (local.get $b0))))
                  (local.set $s (f32.load (i32.add (local.get $tokenShare)
                    (i32.shl (i32.load16_u (i32.add (local.get $p) (local.get $row))) (i32.const 2)))))
                  (local.set $b1 (select (local.get $s) (local.get $b1) (f32.gt (local.get $s) (local.get $b1))))
                  (local.set $s (f32.load (i32.add (local.get $tokenShare)
                    (i32.shl (i32.load16_u (i32.add (local.get $p) (i32.shl (local.get $row) (i32.const 1)))) (i32.const 2)))))
                  (local.set $b2 (select (local.get $s) (local.get $b2) (f32.gt (local.get $s) (local.get $b2))))
                  (local.set $s (f32.load (i32.add (local.get $tokenShare)
                    (i32.shl (i32.load16_u (i32.add (i32.add (local.get $p) (local.get $row)) (i32.shl (local.get $row) (i32.const 1)))) (i32.const 2)))))
                  (local.set $b3 (select (local.get $s) (local.get $b3) (f32.gt (local.get $s) (local.get $b3))))
                  (local.set $p (i32.add (local.get $p) (i32.const 2)))
                  (br_if $word4 (i32.lt_u (local.get $p) (local.get $end))))
                (local.set $x4
                  (f32x4.replace_lane 3
                    (f32x4.replace_lane 2
                      (f32x4.replace_lane 1 (f32x4.splat (local.get $b0)) (local.get $b1))
                      (local.get $b2))
                    (local.get $b3)))
                (local.set $d4 (f32x4.gt (local.get $x4) (v128.const f32x4 0 0 0 0)))
                (if (v128.any_true (local.get $d4))
                  (then
                    (local.set $r4
                      (v128.bitselect
                        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (local.get $r4)) (f64x2.mul (local.get $wDesign2) (f64x2.promote_low_f32x4 (local.get $x4)))))
                          (f32x4.demote_f64x2_zero (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $r4) (local.get $r4))) (f64x2.mul (local.get $wDesign2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x4) (local.get $x4)))))))
                        (local.get $r4)
                        (local.get $d4)))))))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $r4))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $items)))
        ;; One item.
        (local.set $v
          (f64.add
            (f64.mul (local.get $wDot) (f64.promote_f32 (f32.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))))
            (f64.promote_f32 (f32.load (i32.add (local.get $constant) (i32.shl (local.get $i) (i32.const 2)))))))
        (if (local.get $history)
          (then
            (local.set $v
              (f64.sub
                (f64.add (local.get $v)
                  (f64.mul (local.get $wCat) (f64.promote_f32 (f32.load (i32.add (local.get $catShare) (i32.shl (i32.load8_u (i32.add (local.get $category) (local.get $i))) (i32.const 2)))))))
                (f64.mul (local.get $wPrice)
                  (f64.abs (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $logPrice) (i32.shl (local.get $i) (i32.const 2))))) (local.get $mean))))))))
        (local.set $r (f32.demote_f64 (local.get $v)))
        (if (i32.eq (local.get $i) (local.get $nextCo))
          (then
            (local.set $r (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $r))
              (f64.load (i32.add (local.get $coTerms) (i32.shl (local.get $c) (i32.const 3)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (local.set $nextCo
              (if (result i32) (i32.lt_u (local.get $c) (local.get $coCount))
                (then (i32.load (i32.add (local.get $coIds) (i32.shl (local.get $c) (i32.const 2)))))
                (else (i32.const -1))))))
        (if (local.get $design)
          (then
            (local.set $p (i32.add (local.get $words) (i32.mul (local.get $i) (local.get $row))))
            (local.set $end (i32.add (local.get $p) (local.get $row)))
            (local.set $b0 (f32.const 0))
            (loop $word1
              (local.set $s (f32.load (i32.add (local.get $tokenShare)
                (i32.shl (i32.load16_u (local.get $p)) (i32.const 2)))))
              (local.set $b0 (select (local.get $s) (local.get $b0) (f32.gt (local.get $s) (local.get $b0))))
              (local.set $p (i32.add (local.get $p) (i32.const 2)))
              (br_if $word1 (i32.lt_u (local.get $p) (local.get $end))))
            (local.set $v (f64.promote_f32 (local.get $b0)))
            (if (f64.gt (local.get $v) (f64.const 0))
              (then
                (local.set $r (f32.demote_f64 (f64.add (f64.promote_f32 (local.get $r)) (f64.mul (local.get $wDesign) (local.get $v)))))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $r))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $items))))

  ;; The k best of n scores into idx/val (best first, ties to the lower index: lib/recs/rank.ts topK, the
  ;; same list); returns how many (k at most). Once k are held, four scores at a time are compared with the
  ;; k-th best and skipped together when none beats it: most of a million never leave that test.
  (func (export "top_k")
    (param $scores i32) (param $n i32) (param $k i32) (param $idx i32) (param $val i32) (result i32)
    (local $i i32) (local $count i32) (local $floor f32) (local $s f32) (local $pos i32) (local $p i32)
    (if (i32.eqz (local.get $k)) (then (return (i32.const 0))))
    (local.set $floor (f32.const -inf))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.and
              (i32.eq (local.get $count) (local.get $k))
              (i32.and
                (i32.eqz (i32.and (local.get $i) (i32.const 3)))
                (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $n))))
          (then
            (if (i32.eqz (v128.any_true
                  (f32x4.gt
                    (v128.load (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 2))))
                    (f32x4.splat (local.get $floor)))))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $scan)))))
        (local.set $s (f32.load (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.or (i32.lt_u (local.get $count) (local.get $k)) (f32.gt (local.get $s) (local.get $floor)))
          (then
            ;; Insert after every held score at least as high (the earlier index wins a tie); a full list
            ;; drops its last.
            (local.set $pos
              (select (local.get $count) (i32.sub (local.get $k) (i32.const 1)) (i32.lt_u (local.get $count) (local.get $k))))
            (block $placed
              (loop $shift
                (br_if $placed (i32.eqz (local.get $pos)))
                (local.set $p (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 2)))
                (br_if $placed (i32.eqz (f32.lt (f32.load (i32.add (local.get $val) (local.get $p))) (local.get $s))))
                (i32.store offset=4 (i32.add (local.get $idx) (local.get $p)) (i32.load (i32.add (local.get $idx) (local.get $p))))
                (f32.store offset=4 (i32.add (local.get $val) (local.get $p)) (f32.load (i32.add (local.get $val) (local.get $p))))
                (local.set $pos (i32.sub (local.get $pos) (i32.const 1)))
                (br $shift)))
            (i32.store (i32.add (local.get $idx) (i32.shl (local.get $pos) (i32.const 2))) (local.get $i))
            (f32.store (i32.add (local.get $val) (i32.shl (local.get $pos) (i32.const 2))) (local.get $s))
            (if (i32.lt_u (local.get $count) (local.get $k))
              (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (if (i32.eq (local.get $count) (local.get $k))
              (then (local.set $floor
                (f32.load (i32.add (local.get $val) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (local.get $count)))
