;; A method call site whose cache holds the method (filled by the first call, which
;; failed and was caught), called with one argument too many: the method's arity error,
;; at the site.
(defclass Shape [a] (area [s : a]))
(struct Square [side])
(instance Shape Square (area [s] s.side))
(defn f [s extra] (area s extra))
(println (try (f (Square 2) 1) (catch [e] (type-of e))))
(println (f (Square 4) 1))
