(module audit-loops-for-shapes)
;; Counted loops whose step temp is held (a later recur argument has a capture site) are a
;; `for` over a range in the normal variant (compiler/emit_normal.py `counted_for`) and stay a
;; while loop in the resume variant. Each line runs one loop shape straight through, then
;; captured at one step and resumed twice and after a serialize round trip; the values must be
;; those of the while loop (the compiler before the rewrite printed exactly these lines).
(defn grab [] (cloneable-shift [k] k))
(defn shots [k]
  (if (= (type-of k) "continuation") (list (k 1) (k 10) ((deserialize (serialize k)) 100)) [:no-capture k]))
(defn at [j] (fn [x] (if (= x j) (+ x (grab)) x)))

;; constant bounds, none of them reached: zero steps, the counter stays as it was
(defn upto [f b] (loop [i 0 acc []] (if (< i 3) (recur (inc i) (conj acc (f i))) [i acc b])))
(defn none [f] (loop [i 0 acc []] (if (< i 0) (recur (inc i) (conj acc (f i))) [i acc])))
(println :const (upto identity 0) (none identity) (shots (cloneable-reset (fn [] (upto (at 1) 0)))))
;; a counter past 2^64
(defn big [f]
  (loop [i 100000000000000000000000 acc []]
    (if (< i 100000000000000000000003) (recur (inc i) (conj acc (f (- i 100000000000000000000000)))) [(- i 100000000000000000000000) acc])))
(println :big (big identity) (shots (cloneable-reset (fn [] (big (at 2))))))
;; the other variables: a swap, the old counter as a next value, the counter read after the site
;; (again2 reads (inc i) a second time: two step temps, left a while loop)
(defn swap [f] (loop [i 0 a 1 b 2] (if (< i 3) (recur (inc i) b (f a)) [i a b])))
(defn prev [f] (loop [i 0 p -1 acc 0] (if (< i 4) (recur (inc i) i (+ acc (f i))) [i p acc])))
(defn again [f] (loop [i 0 a 0] (if (< i 3) (recur (inc i) (+ (f a) i)) [i a])))
(defn again2 [f] (loop [i 0 a 0] (if (< i 3) (recur (inc i) (+ (f a) (inc i))) [i a])))
(println :swap (swap identity) (shots (cloneable-reset (fn [] (swap (at 1))))))
(println :prev (prev identity) (shots (cloneable-reset (fn [] (prev (at 2))))))
(println :again (again identity) (shots (cloneable-reset (fn [] (again (at 1))))))
(println :again2 (again2 identity) (shots (cloneable-reset (fn [] (again2 (at 1))))))
;; nested: the inner loop's capture holds the outer step (i + 1 where the temp was)
(defn grid [f]
  (loop [i 0 acc []]
    (if (< i 3)
      (recur (inc i) (loop [j 0 a acc] (if (< j 2) (recur (inc j) (conj a (f (+ (* 10 i) j)))) a)))
      [i acc])))
(println :grid (grid identity) (shots (cloneable-reset (fn [] (grid (at 11))))))
;; the exit calls a function that captures, after a loop that ran and after one that didn't
;; (an exit ending in a call site is left a while loop)
(defn exits [n f g] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (f i))) (g [i acc]))))
(println :exit (shots (cloneable-reset (fn [] (exits 3 identity (fn [p] (conj p (grab))))))))
(println :exit (shots (cloneable-reset (fn [] (exits 0 identity (fn [p] (conj p (grab))))))))
;; a later argument with a try/finally and a catch around the capturing call
(defn guarded [xs f]
  (let [n (count xs)]
    (loop [i 0 acc []]
      (if (< i n)
        (recur (inc i) (conj acc (try (f (nth xs i)) (catch [e] [:caught i]) (finally (print "")))))
        [i acc]))))
(println :try (guarded [1 0 2] (fn [x] (if (= x 0) (throw :boom) x)))
         (shots (cloneable-reset (fn [] (guarded [1 0 2 5] (fn [x] (cond (= x 0) (throw :boom) (= x 2) (+ x (grab)) :else x)))))))
;; the library's reduce and an inlined reduce over a vector, a list, a string, a range
;; (the counter walks the range's ints), a split string and a one-key map's keys
(defn add-at [j] (fn [a x] (if (= x j) (+ a (* x (grab))) (+ a x))))
(println :reduce (shots (cloneable-reset (fn [] (reduce (add-at 2) 0 [1 2 3]))))
         (shots (cloneable-reset (fn [] (reduce (add-at 3) 0 (list 1 2 3))))))
(defn from-to [a b j] (reduce (fn [acc x] (if (= x j) (+ acc (* x (grab))) (+ acc x))) 0 (range a b)))
(println :range (from-to 3 7 0) (from-to 7 3 0) (shots (cloneable-reset (fn [] (from-to 3 7 3))))
         (shots (cloneable-reset (fn [] (from-to 3 7 6)))))
(defn joined [s j] (reduce (fn [acc w] (if (= w j) (str acc (grab)) (str acc w))) "" (string/split s ",")))
(println :split (joined "a,b,c" "z") (shots (cloneable-reset (fn [] (joined "a,b,c" "b")))))
(println :chars (shots (cloneable-reset (fn [] (reduce (fn [a c] (if (= c "c") (str a (grab)) (str a c))) "" "abcd")))))
(defn vals-of [m j] (reduce (fn [acc k] (if (= k j) (+ acc (* (get m k) (grab))) (+ acc (get m k)))) 0 (keys m)))
(println :keys (vals-of {:a 2} :z) (shots (cloneable-reset (fn [] (vals-of {:a 2} :a)))))
;; a continuation resumed, its next capture resumed, and so on; then from bytes
(defn sum-grab [xs] (reduce (fn [a x] (+ a (* x (grab)))) 0 xs))
(def k1 (cloneable-reset (fn [] (sum-grab [1 2 3]))))
(def k3 ((k1 1) 10))
(println :chain (k3 100) ((deserialize (serialize k3)) 1000) ((((deserialize (serialize k1)) 2) 20) 200))
