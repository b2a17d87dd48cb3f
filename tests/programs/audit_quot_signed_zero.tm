(module audit-quot-signed-zero)
;; quot truncates toward zero and keeps the sign of the quotient, a zero's included: the
;; compiled quot of a dividend known to be a number (>= 0, -0.0 included) by a positive int
;; is Python's //, and the library's quot (through apply, or a dividend not known to be a
;; number) must agree with it.
(def z -0.0)
(defn q [x d] (quot x d))
(defn row [x] (let [k (* x 1)] [(quot k 3) (apply quot [k 3]) (q k 3) (quot k 2.5) (apply quot [k 2.5]) (quot k -3) (apply quot [k -3])]))
(println (row -0.0))
(println (row 0.0))
(println (row -7.5) (row 7.5) (row -7) (row 7))
(println (quot -1 3.0) (quot 1 -3.0) (quot 12345678901234567890123 -7.0) (quot -0.5 3) (quot 0.5 -3))
