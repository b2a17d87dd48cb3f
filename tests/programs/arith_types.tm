;; Arithmetic on a non-number throws type-error, strings and collections included,
;; in the compiled two-argument fast path as everywhere else.
(defn add2 [a b] (+ a b))
(defn sub2 [a b] (- a b))
(defn mul2 [a b] (* a b))
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> e))))
(println (add2 1 2) (add2 1.5 2) (add2 2 0.25) (mul2 3 4) (mul2 0.5 4) (sub2 10 4))
(println (kind (fn [] (add2 "a" "b"))) (kind (fn [] (mul2 "ab" 2))) (kind (fn [] (add2 [1] [2]))))
(println (kind (fn [] (add2 1 "a"))) (kind (fn [] (sub2 "a" 1))) (kind (fn [] (+ "a" "b" "c"))))
(println (kind (fn [] (+ "x" "y"))) (kind (fn [] (* "x" 3))))
;; numbers known at compile time need no check and still compute exactly
(println (loop [i 0 acc 0] (if (< i 5) (recur (inc i) (+ acc (* i i))) acc)) (* 99999999999 99999999999))
