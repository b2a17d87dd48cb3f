;; Fast paths keep the semantics of the library functions they replace: booleans are
;; not numbers (for =, not=, inc, mod, zero?, even? ...), non-numbers throw type-error,
;; and literal, known-number and unknown operands all agree with the library call.
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error (division-by-zero) -> :div0 _ -> e))))
(defn call-eq [a b] (= a b))
(defn call-neq [a b] (not= a b))
(def lib-eq =)
(def lib-neq not=)

;; = and not= against literals, known numbers and unknowns: never a boolean equal to a number
(println (= 1 #t) (= 0 #f) (= #t 1) (= #f 0) (= 1 1) (= 1 1.0) (= nil #f) (= nil nil) (= #t #t))
(println (call-eq 1 #t) (call-eq 0 #f) (call-eq #t 1) (call-eq 1 1.0) (lib-eq 1 #t) (lib-eq 0 #f))
(println (not= 1 #t) (not= 0 #f) (call-neq 1 #t) (call-neq #f 0) (lib-neq 1 #t) (not= 2 2))
(println (loop [i 0 hits []] (if (< i 3) (recur (inc i) (conj hits (= i #t) (= i #f) (not= i #t))) hits)))
(println (let [n (+ 1 0)] (list (= n #t) (= #t n) (not= n #t) (= n 1) (= n 1.0))))
(println (let [n (* 0 5)] (list (= n #f) (= #f n) (not= n #f) (= n 0))))
(defn eq-true [x] (= x #t))
(defn eq-nil [x] (= x nil))
(defn eq-kw [x] (= x :a))
(println (eq-true #t) (eq-true 1) (eq-true "t") (eq-nil nil) (eq-nil #f) (eq-nil '()) (eq-kw :a) (eq-kw (keyword "a")) (eq-kw "a"))
(println (= "a" "a") (= [1 2] '(1 2)) (= {:a 1} {:a 1}) (= [1 #t] [1 1]) (call-eq [0] [#f]))

;; comparisons, chained
(println (< 1 2 3) (< 1 3 2) (<= 1 1 2) (> 3 2 1) (>= 3 3 4) (< 1 2))

;; mod and quot: Clojure semantics (mod takes the divisor's sign, quot truncates)
(defn m [a b] (mod a b))
(defn q [a b] (quot a b))
(println (mod 7 3) (mod -7 3) (mod 7 -3) (mod 7.5 2) (m -7 3) (m 7.5 2) (m 10 -4))
(println (quot 7 2) (quot -7 2) (quot 7 -2) (quot -7 -2) (q -7 2) (q 7.5 2) (quot 7.5 2))
(println (loop [i -3 out []] (if (< i 4) (recur (inc i) (conj out (mod i 3) (quot i 2))) out)))
(println (kind (fn [] (mod "a" 2))) (kind (fn [] (m "%d" 2))) (kind (fn [] (mod #t 2))) (kind (fn [] (m 5 #t))))
(println (kind (fn [] (quot "a" 2))) (kind (fn [] (q #t 2))) (kind (fn [] (mod 5 0))) (kind (fn [] (m 5 0))) (kind (fn [] (q 5 0))))

;; inc, dec, zero?, pos?, neg?, even?, odd? on numbers and non-numbers
(defn i1 [x] (inc x))
(defn d1 [x] (dec x))
(println (inc 1) (dec 1) (i1 1.5) (d1 -1) (i1 99999999999999999999))
(println (kind (fn [] (i1 #t))) (kind (fn [] (d1 #f))) (kind (fn [] (i1 "a"))) (kind (fn [] (inc nil))))
(defn z [x] (zero? x))
(defn ev [x] (even? x))
(defn od [x] (odd? x))
(println (z 0) (z 0.0) (z 1) (zero? 0) (pos? 3) (neg? -3) (pos? -1) (neg? 0.5))
(println (kind (fn [] (z #f))) (kind (fn [] (zero? #f))) (kind (fn [] (z "0"))) (kind (fn [] (pos? #t))))
(println (ev 2) (ev 3) (ev -2) (ev 2.0) (od 3) (od -3) (od 2.5) (even? 0))
(println (kind (fn [] (ev #t))) (kind (fn [] (od #f))) (kind (fn [] (ev "2"))) (kind (fn [] (even? nil))))
(println (loop [x 6 steps 0] (if (= x 1) steps (recur (if (even? x) (quot x 2) (inc (* 3 x))) (inc steps)))))

;; str: strings as they are, everything else in display form
(defn s3 [a b c] (str a "-" b "-" c))
(println (str) (str "") (str "a" 1 "b") (s3 1 #t nil) (s3 1.5 :k 'sym) (s3 [1 "x"] {:a "b"} (Some 2)))
(println (s3 (/ 1 3) 1e21 -0.0) (count (str 12345678901234567890 "x")))

;; if on the new boolean primitives
(println (if (zero? 0) :yes :no) (if (even? 3) :yes :no) (if (= 1 #t) :yes :no))

;; and/or of boolean primitives: the value of the last operand evaluated, as always
(defn ao [a b] (list (and (< a b) nil) (and (> a b) 5) (or (< a b) 5) (or (> a b) nil) (or (> a b) 7) (and (= a a) (< a b) 3)))
(println (ao 1 2) (ao 2 1))
(println (if (and (<= 1 2) (not= 1 0)) :in :out) (if (or (> 1 2) (zero? 0)) :in :out) (if (and (< 1 2) nil) :in :out))

;; deref inline: a ref's value, anything else a type-error
(defn dr [r] (deref r))
(println (dr (ref 5)) (deref (ref [1])) (kind (fn [] (dr 5))) (kind (fn [] (deref nil))))

;; type predicates inline, as the library defines them
(defn preds [x] (list (int? x) (float? x) (string? x) (bool? x) (keyword? x) (symbol? x) (list? x) (vector? x) (map? x)))
(println (map preds [1 1.5 "s" #t :k 'q '(1) (range 2) [1] {:a 1} nil]))
(println (if (string? "a") :s :n) (if (int? #t) :i :n) (if (map? {}) :m :n))
