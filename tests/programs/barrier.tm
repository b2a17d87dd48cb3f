;; Continuation barriers. The spec's library has no host function that calls back
;; into Turmeric, so this checks the other side of the rule: capturing through the
;; standard library's higher-order functions never hits a barrier, and the
;; continuation-barrier struct behaves like the other built-in error structs.
(defn no-barrier [label thunk]
  (println label
           (try (cloneable-reset thunk)
                (catch [e] (match e
                             (continuation-barrier f) -> (list :barrier f)
                             _ -> (list :other-error e))))))
(no-barrier "map" (fn [] (map (fn [x] (cloneable-shift [k] (k (* x 2)))) [1 2])))
(no-barrier "filter" (fn [] (filter (fn [x] (cloneable-shift [k] (k (> x 1)))) [1 2 3])))
(no-barrier "reduce" (fn [] (reduce (fn [a x] (+ a (cloneable-shift [k] (k x)))) 0 [1 2 3])))
(no-barrier "for-each" (fn [] (for-each [1] (fn [x] (cloneable-shift [k] (k x)))) :ok))
(no-barrier "for-each-with-index"
            (fn [] (for-each-with-index [:a] (fn [i x] (cloneable-shift [k] (k i)))) :ok))
(def r (ref 10))
(no-barrier "swap!" (fn [] (swap! r (fn [old] (+ old (cloneable-shift [k] (k 5)))))))
(println (deref r))
;; a suspended capture through map, resumed later
(def km (cloneable-reset (fn [] (map (fn [x] (+ x (cloneable-shift [k] k))) [100]))))
(println (continuation? km) (km 1))

(def b (continuation-barrier "host-fn"))
(println b (continuation-barrier? b) (type-of b))
(println (match b (continuation-barrier name) -> name))
(println (try (throw b) (catch [e] e.fn-name)))

;; a real barrier: sort with a comparator calls back from a Python function (sorted)
(defn cmp-capturing [a b] (cloneable-shift [k] (- a b)))
(println (try (cloneable-reset (fn [] (sort cmp-capturing [3 1 2])))
              (catch [e] (match e (continuation-barrier name) -> (str "barrier at " name) _ -> e))))
(println (sort (fn [a b] (- b a)) [3 1 2]))
