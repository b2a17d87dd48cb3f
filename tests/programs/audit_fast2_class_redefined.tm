(module audit-fast2-class-redefined)
;; An instance method's fast entry (b901975) skips the layout test of the parameter its
;; class dispatched on when the instance was compiled. Dispatch stores it for the class of
;; the argument it dispatches on now. Once the class is defined again dispatching on another
;; parameter (the instance stays), the two differ: the method must still test the struct it
;; reads, and read `side` by name from a struct of another layout or from a map.
(defclass C [a] (m [s : a t]))
(struct Sq [side])
(struct Other [x side])
(instance C Sq (m [s t] s.side))
(println (m (Sq 1) 0) (m (Sq 2) 0))
(defclass C [a] (m [s t : a]))
(defn safe [thunk] (try (thunk) (catch [e] [:error e])))
;; a compiled call site (site_miss)
(defn sides [xs] (map (fn [p] (m p (Sq 0))) xs))
(println (safe (fn [] (sides [(Sq 1) (Other 10 2) (Sq 3)]))))
(println (safe (fn [] (sides [(Sq 1) {:side 3}]))))
;; the dispatcher (its slow path)
(defn sides2 [xs] (map (fn [p] (apply m [p (Sq 0)])) xs))
(println (safe (fn [] (sides2 [(Sq 1) (Other 10 2) (Sq 3)]))))
(println (safe (fn [] (sides2 [(Sq 1) {:side 3}]))))
