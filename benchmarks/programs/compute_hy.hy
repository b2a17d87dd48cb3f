;; Compute benchmarks, Hy peer (benchmarks/compute.py imports this after `import hy`).
;; The natural Hy way to write each task; Hy has no loop/recur in its core, so (b)
;; uses `for` over a range, as a Hy programmer would.
(import functools [reduce] operator)

;; (a) naive doubly recursive Fibonacci
(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))

;; (b) sum of squares 0..n-1
(defn sum-squares [n]
  (setv acc 0)
  (for [i (range n)]
    (+= acc (* i i)))
  acc)

;; (c) map/filter/reduce pipeline: the sum of the even squares of 0..n-1
(defn pipeline [n]
  (reduce operator.add
          (filter (fn [x] (= (% x 2) 0))
                  (map (fn [x] (* x x)) (range n)))
          0))
