;; `(< n 2)` is true for #t and #f taken as 1 and 0: the boolean test sits in the branch
;; they would take, and throws type-error naming the comparison.
(defn fib [n]
  (if (< n 2)
    n
    (+ (fib (- n 1)) (fib (- n 2)))))
(println (fib 10))
(println (fib #f))
