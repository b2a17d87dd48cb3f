(module audit-fast2-arity-name)
;; A call of an instance method with too many arguments through its dispatcher (apply, a
;; function value) reports the same arity error whether or not the dispatcher has cached
;; the method's fast entry (b901975): the message names the method's Python function as
;; before, not its `#fast` copy.
(defclass Shape [a] (area [s : a]))
(struct Sq [side])
(instance Shape Sq (area [s] (* s.side s.side)))
(println (map area [(Sq 1) (Sq 2)]))  ; the dispatcher caches the fast entry for Sq
(println (try (apply area [(Sq 3) 4]) (catch [e] e)))
(apply area [(Sq 3) 4])
