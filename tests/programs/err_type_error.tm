;; Arithmetic on a non-number.
(def total 0)
(set! total (+ total "12"))
