;; Booleans are not numbers: Python takes True as 1 and orders it as 1, Turmeric throws
;; type-error, whichever way the operation is compiled (two-argument operator fast path,
;; one operand known to be a number, three or more arguments, or the library function
;; called through apply).
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> e))))
(defn add [a b] (+ a b))
(defn sub [a b] (- a b))
(defn mul [a b] (* a b))
(defn add1 [a] (+ a 1))
(defn lt [a b] (< a b))
(defn ge [a b] (>= a b))
(defn chain [a b c] (< a b c))
(println (kind (fn [] (add #t #t))) (kind (fn [] (add 1 #f))) (kind (fn [] (add #t 1.5))))
(println (kind (fn [] (sub #t 1))) (kind (fn [] (mul 3 #t))) (kind (fn [] (add1 #t))))
(println (kind (fn [] (lt #t 3))) (kind (fn [] (ge 0 #f))) (kind (fn [] (chain 1 #t 3))))
(println (kind (fn [] (apply < [#t 3]))) (kind (fn [] (apply + [1 #t]))) (kind (fn [] (+ 1 2 #t))))
(loop [i 0 acc 0] (if (< i 3) (recur (+ i 1) (+ acc i)) (println acc)))
;; numbers still go straight through, ints and floats mixed
(println (add 1 2) (add 1.5 2) (sub 5 7) (mul 2 2.5) (add1 41) (lt 1 2) (ge 2.0 3) (chain 1 2 3))
(println (lt "a" "b") (kind (fn [] (add "a" "b"))))
;; a local compared in an if's test needs no boolean test again in its branches; one that
;; was not compared still has it
(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(defn other [a b] (if (< a 1) (+ b 1) (- b 1)))
(defn sq [n] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (* n i))) acc)))
(println (fib 10) (kind (fn [] (fib #t))) (other 0 1) (kind (fn [] (other 0 #t))) (kind (fn [] (other 5 #f))))
(println (sq 3) (kind (fn [] (sq #t))))
;; an operand multiplied or added to itself is tested once, and still not as a boolean or string
(defn self-mul [x] (* x x))
(defn self-add [x] (+ x x))
(println (self-mul 3) (self-mul 1.5) (kind (fn [] (self-mul #t))) (kind (fn [] (self-add #f))) (kind (fn [] (self-mul "ab"))) (kind (fn [] (self-add "ab"))))
