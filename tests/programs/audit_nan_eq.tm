(module audit-nan-eq)
;; NaN is not equal to itself: the compiled `=` of two known numbers is Python's `==`, and
;; the library's `=` (reached through apply, a value, a collection's elements or a struct's
;; fields) must say the same of the very same NaN object, not take identity for equality.
(struct P [x])
(def inf (* 1e308 10))
(defn nan [] (- inf inf))
(def eq =)
(def neq not=)
(defn row [x]
  [(= x x) (eq x x) (apply = [x x]) (not= x x) (neq x x) (apply not= [x x])
   (= x (+ x 0)) (= [x] [x]) (= (P x) (P x)) (= (Some x) (Some x)) (= {:a x} {:a x}) (if (= x x) :eq :ne)])
(println :nan (let [x (nan)] (row x)))
(println :nan-arg (row (nan)))
(println :num (row 2.5) (row 7))
(println :inf (row inf))
(let [x (nan)]
  (println :loop (loop [i 0 n 0] (if (< i 3) (recur (inc i) (if (= x x) (inc n) n)) n))
           (count (filter (fn [y] (= y y)) [x 1.5 x])) (count (filter (fn [y] (eq y y)) [x 1.5 x]))))
(println :lt (let [x (nan)] [(< x x) (<= x x) (>= x x) (apply <= [x x]) (zero? x) (= x 0)]))
;; x known to be a number (the result of `-`): `=` compiles to `==`
(println :known (let [x (- inf inf)] [(= x x) (eq x x) (apply = [x x]) (not= x x) (neq x x) (= [x] [x]) (if (= x x) :eq :ne)]))
(println :known-loop (loop [i 0 x (- inf inf) n 0] (if (< i 3) (recur (inc i) x (if (= x x) (inc n) n)) [n (eq x x)])))
(println :known-one (let [x (- inf inf) y x] [(= x y) (eq x y) (= x 1.5) (= 1.5 x)]))
