(module audit-self-name-inline)
;; A lambda reads a top-level function's name as the global, whether or not the compiler
;; runs the lambda inline (a literal lambda given to map, filter, reduce or for-each, or
;; mapped under string/join): inlining must not change which function it calls. Each old
;; version, kept before its name is defined again, calls the new one from its lambda.
(defn in-lambda [n] (if (= n 0) 0 (+ n ((fn [m] (in-lambda m)) (- n 1)))))
(defn in-mapv [n] (if (= n 0) 0 (+ n (first (mapv (fn [m] (in-mapv m)) [(- n 1)])))))
(defn in-reduce [n] (if (= n 0) 0 (+ n (reduce (fn [a m] (+ a (in-reduce m))) 0 [(- n 1)]))))
(defn in-map [n] (if (= n 0) 0 (+ n (first (map (fn [m] (in-map m)) [(- n 1)])))))
(defn in-leaf-map [n] (if (= n 0) 0 (+ n ((first (map (fn [m] in-leaf-map) [n])) (- n 1)))))
(defn in-for-each [n] (if (= n 0) 0 (let [r (ref n)] (for-each [(- n 1)] (fn [m] (ref-set! r (+ @r (in-for-each m))))) @r)))
(defn in-join [t] (if (vector? t) (string/join "," (map (fn [x] (in-join x)) t)) (str t)))
(def olds [in-lambda in-mapv in-reduce in-map in-leaf-map in-for-each])
(println :before (map (fn [f] (f 3)) olds) (in-join [1 [2 3]]))
(def old-join in-join)
(defn in-lambda [n] 100)
(defn in-mapv [n] 100)
(defn in-reduce [n] 100)
(defn in-map [n] 100)
(defn in-leaf-map [n] 100)
(defn in-for-each [n] 100)
(defn in-join [t] "J")
(println :after (map (fn [f] (f 3)) olds) (old-join [1 [2 3]]))
