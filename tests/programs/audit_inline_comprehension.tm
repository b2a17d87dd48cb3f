(module audit-inline-comprehension)
;; map and filter with a leaf lambda compile to a Python list comprehension (fastpath.py
;; InlineHOF), which runs in a frame of its own: an error raised there is the same error
;; the library's loop (mapv, filter through a value) raises, a ZeroDivisionError of Python's
;; % included; and a collection expression whose compiled code holds an assignment
;; expression (a checked + or a type test) still compiles.
(defn kind [th] (try (pr-str (th)) (catch [e] (pr-str e))))
(def gm mapv)
(def gf filter)
(println :mod0 (kind (fn [] (map (fn [x] (mod x 0)) (range 3)))) (kind (fn [] (gm (fn [x] (mod x 0)) (range 3)))))
(println :mod0f (kind (fn [] (map (fn [x] (mod 1.5 (- x x))) (range 3)))) (kind (fn [] (gm (fn [x] (mod 1.5 (- x x))) (range 3)))))
(println :filter0 (kind (fn [] (filter (fn [x] (= 1 (mod 7 x))) (range 3)))) (kind (fn [] (gf (fn [x] (= 1 (mod 7 x))) (range 3)))))
(println :quot0 (kind (fn [] (map (fn [x] (quot x 0)) [4]))) (kind (fn [] (gm (fn [x] (quot x 0)) [4]))))
(println :nth (kind (fn [] (map (fn [x] (nth [1] x)) (range 3)))) (kind (fn [] (gm (fn [x] (nth [1] x)) (range 3)))))
(println :lt (kind (fn [] (map (fn [x] (< x "a")) (range 1)))) (kind (fn [] (gm (fn [x] (< x "a")) (range 1)))))
(def big 12345678901234567890123)
(defn a [n] (map (fn [x] (* x 2)) (range n (+ n 2))))
(defn b [n] (filter (fn [x] (odd? x)) (range n (+ n 3))))
(defn c [v] (map (fn [x] (inc x)) (conj v (+ (count v) 1))))
(defn d [v] (filter (fn [x] (even? x)) (if (nil? v) [] (conj v (+ (first v) 1)))))
(defn e [m] (sort (map (fn [k] (get m k 0)) (keys (assoc m :z (+ 1 (get m :a)))))))
(defn f [s] (map (fn [w] (str w "!")) (string/split (str s "," (+ 1 2)) ",")))
(println :iterables (a big) (b 1) (c [1 2]) (d [2]) (e {:a 1}) (f "x"))
(println :iterable-errors (kind (fn [] (a "x"))) (kind (fn [] (b #t))) (kind (fn [] (c 5))))
