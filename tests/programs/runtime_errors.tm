;; Runtime errors are struct values that try/catch can match on.
(defn kind [thunk]
  (try
    (thunk)
    :no-error
    (catch [e]
      (match e
        (division-by-zero) -> :division-by-zero
        (type-error _) -> :type-error
        (match-error v) -> (list :match-error v)
        (no-instance c t) -> (list :no-instance c t)
        (arity-error _) -> :arity-error
        (error m) -> (list :error m)
        _ -> (list :other (type-of e))))))

(println (kind (fn [] (/ 10 0))))
(println (kind (fn [] (mod 10 0))))
(println (kind (fn [] (quot 10 0))))
(println (kind (fn [] (+ 1 "two"))))
(println (kind (fn [] (* :a 2))))
(println (kind (fn [] (- nil 1))))
(println (kind (fn [] (match 3 1 -> :one))))
(println (kind (fn [] ((fn [a b] a) 1))))
(println (kind (fn [] ((fn [a] a) 1 2))))
(defn two-args [a b] (+ a b))
(println (kind (fn [] (two-args 1 2 3))))
(println (kind (fn [] ((fn [a b & r] a)))))
(defclass Shape [a] (area [s : a] : int64))
(println (kind (fn [] (area 5))))
(println (kind (fn [] (throw (error "mine")))))
(println (kind (fn [] (+ 1 2))))
(println (type-of (try (/ 1 0) (catch [e] e))))
(println (try (/ 1 0) (catch [e] e)))
(println (division-by-zero? (try (/ 1 0) (catch [e] e))))
(println (type-error? (try (+ 1 "x") (catch [e] e))))
(println (string? (try (+ 1 "x") (catch [e] e.message))))
