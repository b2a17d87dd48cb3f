;; Loops compiled twice: a copy for when the locals their arithmetic and comparisons use
;; are ints (no type tests inside), and the ordinary loop for anything else. Whatever the
;; values, the results and errors are those of the ordinary loop: booleans are not
;; numbers, floats and mixed values still work, strings throw type-error.
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> e))))

;; a bound used only in the test, a loop variable starting from a parameter
(defn sum-below [n] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc i)) acc)))
(defn down [n] (loop [i n acc 0] (if (> i 0) (recur (dec i) (if (>= (mod i 5) 3) (+ acc i) acc)) acc)))
(defn count-eq [n] (loop [i 0 acc 0] (if (= i n) acc (recur (inc i) (+ acc i)))))
(defn steps [k] (loop [x k s 0] (if (= x 1) s (recur (if (even? x) (quot x 2) (inc (* 3 x))) (inc s)))))
(println (sum-below 10) (sum-below 10.5) (sum-below -3) (kind (fn [] (sum-below #t))) (kind (fn [] (sum-below "x"))))
(println (down 20) (down 20.0) (kind (fn [] (down #t))) (kind (fn [] (down #f))) (kind (fn [] (down "x"))))
;; (= i n) with a float n that i reaches
(println (count-eq 10) (count-eq 10.0) (steps 27) (kind (fn [] (steps #t))))
;; a loop variable updated with something other than arithmetic stays tested
(defn mixed [n] (loop [i 0 x 0] (if (< i n) (recur (inc i) (if (= i 2) #t x)) x)))
(println (mixed 1) (mixed 5) (kind (fn [] (+ 1 (mixed 5)))))
;; a loop variable whose next value is a boolean on a later iteration: the arithmetic on it
;; throws when it gets there
(defn flip [n] (loop [i 0 x 1] (if (< i n) (recur (inc i) (if (= i 3) #t (+ x 1))) x)))
(println (flip 3) (flip 4) (kind (fn [] (flip 6))))
;; two bounds, one an int and one not
(defn between [lo hi] (loop [i lo c 0] (if (< i hi) (recur (inc i) (inc c)) c)))
(println (between 2 7) (between 2 7.5) (between 2.5 7) (kind (fn [] (between 2 #t))) (kind (fn [] (between #f 3))))
;; a comparison with a literal that booleans (as 1 and 0) would answer the same way:
;; the boolean test moves into the branch they would take
(defn small? [n] (if (< n 2) :small :big))
(defn big? [n] (if (> n 5) :big :small))
(defn at-most [n] (if (<= 10 n) :big :small))
(println (small? 1) (small? 7) (small? 1.5) (kind (fn [] (small? #t))) (kind (fn [] (small? #f))))
(println (big? 9) (big? 2) (kind (fn [] (big? #t))) (kind (fn [] (big? #f))) (at-most 10) (at-most 3) (kind (fn [] (at-most #t))))
(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))
(println (fib 15) (kind (fn [] (fib #t))) (kind (fn [] (fib #f))))
