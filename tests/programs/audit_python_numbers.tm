(module audit-python-numbers)
;; Python numbers that are not Turmeric numbers (Fraction, Decimal, complex, an int
;; subclass such as IntEnum) are non-numbers to the library's arithmetic and comparisons
;; (type-error): each operator compiled inline (a literal operand, two unknown operands, a
;; loop's int, an if test, one operand) must agree with the library function through apply.
(import-python fractions [Fraction])
(import-python decimal [Decimal])
(import-python enum [IntEnum])
(import-python builtins [complex])
(def Color (IntEnum "Color" "RED GREEN"))
;; and an int too large for a float, against a float: the library's error, not a python-error
(def big (reduce * 1 (map (fn [_] 10) (range 400))))
(def values [(Fraction 1 3) (Decimal "1.5") (complex 1 2) Color.RED (->py 7) 1e308 big])
(defn kind [thunk] (try (pr-str (thunk)) (catch [e] (type-of e))))
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
       (report (list '~op 1 v) ((fn [a b] (kind (fn [] (~op a b)))) 1 v) (kind (fn [] (apply ~op [1 v]))))
       (report (list '~op v 1) ((fn [a b] (kind (fn [] (~op a b)))) v 1) (kind (fn [] (apply ~op [v 1]))))
       (report (list '~op :i v) (kind (fn [] (loop [i 0 acc nil] (if (< i 2) (recur (inc i) (~op i v)) acc)))) (kind (fn [] (apply ~op [1 v]))))
       (report (list 'if '~op v) (kind (fn [] (if (~op v -1) :yes :no))) (kind (fn [] (if (apply ~op [v -1]) :yes :no)))))))
(defmacro check1 [op]
  `(for-each values
     (fn [v]
       (report (list '~op v) (kind (fn [] (~op v))) (kind (fn [] (apply ~op [v]))))
       (report (list 'if '~op v) (kind (fn [] (if (~op v) :yes :no))) (kind (fn [] (if (apply ~op [v]) :yes :no)))))))
(check2 +) (check2 -) (check2 *) (check2 /) (check2 <) (check2 >) (check2 <=) (check2 >=)
(check2 =) (check2 not=) (check2 mod) (check2 quot) (check2 min) (check2 max)
(check1 inc) (check1 dec) (check1 -) (check1 zero?) (check1 even?) (check1 odd?) (check1 pos?) (check1 neg?) (check1 abs)
(println "mismatches:" @bad)
;; an OverflowError a Python function raises is still its python-error, called from
;; Turmeric code as a Python call or as a function value
(import-python math)
(defn call-it [f x] (f x))
(println (type-of (try (math.exp 1000) (catch [e] e))) (type-of (try (map math.exp [1000]) (catch [e] e))) (type-of (try (call-it math.exp 1000) (catch [e] e))))
