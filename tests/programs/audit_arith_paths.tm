(module audit-arith-paths)
;; Each operator compiled inline (a literal operand, two unknown operands, a loop's int,
;; an if test, one operand) must agree with the library function called through apply, for
;; numbers and for what is not one: booleans, nil, strings, collections, structs, keywords.
(struct P [x y])
(struct E [])
(defn kind [thunk] (try (pr-str (thunk)) (catch [e] (type-of e))))
(def values [1 2.5 #t #f nil "ab" [1] (P 1 2) :k 12345678901234567890123 -0.0 0 (E) '(1) (Some 1)])
(def bad (ref 0))
(defn report [form fast general]
  (when (not= fast general)
    (ref-set! bad (inc @bad))
    (println "mismatch:" form fast "library:" general)))
(defmacro check2 [op]
  `(for-each values
     (fn [v]
       (report (list '~op 2 v) (kind (fn [] (~op 2 v))) (kind (fn [] (apply ~op [2 v]))))
       (report (list '~op v 1.5) (kind (fn [] (~op v 1.5))) (kind (fn [] (apply ~op [v 1.5]))))
       (report (list '~op v v) ((fn [a b] (kind (fn [] (~op a b)))) v v) (kind (fn [] (apply ~op [v v]))))
       (report (list '~op :i v) (kind (fn [] (loop [i 0 acc nil] (if (< i 2) (recur (inc i) (~op i v)) acc)))) (kind (fn [] (apply ~op [1 v]))))
       (report (list 'if '~op v) (kind (fn [] (if (~op v -1) :yes :no))) (kind (fn [] (if (apply ~op [v -1]) :yes :no)))))))
(defmacro check1 [op]
  `(for-each values
     (fn [v]
       (report (list '~op v) (kind (fn [] (~op v))) (kind (fn [] (apply ~op [v]))))
       (report (list 'if '~op v) (kind (fn [] (if (~op v) :yes :no))) (kind (fn [] (if (apply ~op [v]) :yes :no)))))))
(check2 +) (check2 -) (check2 *) (check2 /) (check2 <) (check2 >) (check2 <=) (check2 >=)
(check2 =) (check2 not=) (check2 mod) (check2 quot) (check2 min) (check2 max)
(check1 inc) (check1 dec) (check1 -) (check1 zero?) (check1 even?) (check1 odd?) (check1 pos?) (check1 neg?) (check1 abs) (check1 not) (check1 nil?)
(println "mismatches:" @bad)
;; the cases a fast path once got wrong: a boolean negated as an int
(println (kind (fn [] (- #t))) (kind (fn [] (- #f))) ((fn [x] (kind (fn [] (- x)))) #t) (- 3) (- 2.5) ((fn [x] (- x)) -4))
