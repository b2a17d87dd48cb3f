;; Compute benchmarks (benchmarks/compute.py times these in-process).
;; Keep them the natural Turmeric way to write each task.
(module compute)

;; (a) naive doubly recursive Fibonacci
(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))

;; (b) sum of squares 0..n-1 with loop/recur
(defn sum-squares [n]
  (loop [i 0 acc 0]
    (if (< i n)
      (recur (inc i) (+ acc (* i i)))
      acc)))

;; (c) map/filter/reduce pipeline: the sum of the even squares of 0..n-1
(defn pipeline [n]
  (reduce + 0 (filter even? (map (fn [x] (* x x)) (range n)))))
