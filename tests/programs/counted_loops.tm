;; Loops that step an int by one up to a bound compile to Python's `for i in range(...)`
;; (compiler/lower.py, counted_loop). Whatever the bounds, the results are the loop's:
;; empty ranges, the counter's value at the exit, exits from inside the body, `=` when
;; the counter starts past the bound (it counts on, as the loop does), and nested loops.
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> :error))))
(defn up [a n] (loop [i a acc []] (if (< i n) (recur (inc i) (conj acc i)) [i acc])))
(defn upto [a n] (loop [i a acc 0] (if (<= i n) (recur (inc i) (+ acc i)) [i acc])))
(defn down [a n] (loop [i a acc []] (if (> i n) (recur (dec i) (conj acc i)) [i acc])))
(defn downto [a n] (loop [i a acc 0] (if (>= i n) (recur (dec i) (+ acc i)) [i acc])))
(defn until [a n] (loop [i a acc 0] (if (= i n) [i acc] (recur (inc i) (+ acc i)))))
(defn past [a n] (loop [i a acc 0] (if (> i n) [i acc] (recur (inc i) (+ acc i)))))
(println (up 0 4) (up 4 4) (up 6 4) (up -2 1) (upto 1 4) (upto 5 4) (upto -3 -3))
(println (down 4 0) (down 0 0) (down -1 0) (downto 4 1) (downto 0 1) (until 2 6) (until 6 6) (past 1 4) (past 9 4))
;; `=` starting past the bound counts on until another exit
(defn runaway [a n] (loop [i a acc 0] (if (= i n) [:hit acc] (if (> acc 30) [:big i acc] (recur (inc i) (+ acc i))))))
(println (runaway 0 5) (runaway 7 5))
;; an exit inside the body, the counter read after the loop, a literal bound
(defn first-square-over [limit] (loop [i 0] (if (< i 100) (if (> (* i i) limit) i (recur (inc i))) :none)))
(println (first-square-over 50) (first-square-over 20000) (loop [i 0] (if (< i 10) (recur (inc i)) (* i 10))))
;; nested: the inner loop's exit value feeds the outer loop
(defn table [n] (loop [r 0 acc []] (if (< r n) (recur (inc r) (conj acc (loop [c 0 s 0] (if (<= c r) (recur (inc c) (+ s c)) s)))) acc)))
(println (table 5))
;; bounds that are not ints run the ordinary loop
(println (up 0 2.5) (up 0.5 3) (kind (fn [] (up 0 #t))) (kind (fn [] (up 0 "3"))) (until 0.0 3) (downto 3 0.5))
