;; (string/join sep (map f coll)) with the map inline, the accumulator joined as it is
;; (compiler/fastpath.py, SiteJoin): the library's results, order of evaluation and errors.
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> :error))))
(defn show [x] (str "<" x ">"))
(defn twice [x] (* 2 x))
(println (string/join "," (map show [1 "a" :k nil])) (string/join "," (map twice [1 2 3])))
;; items that are not strings are displayed, as string/join does
(println (string/join "-" (map twice [1 2.5])) (string/join "" (map (fn [x] (twice x)) '(1 2))))
(println (string/join "," (map str [:a "b" 3])) (string/join "," (map show [])) (string/join "," (map show nil)))
;; a separator that is not a literal, or not a string
(defn joined [sep xs] (string/join sep (map show xs)))
(println (joined ", " [1 2]) (joined "" [3]) (kind (fn [] (joined 1 [1 2]))) (kind (fn [] (joined nil [1]))))
;; the separator is evaluated before the map runs
(println (string/join (do (println "sep") "/") (map (fn [x] (println "item" x) (show x)) [1 2])))
;; a capture inside, resumed twice
(defn ask [x] (if (= x 2) (cloneable-shift [k] k) x))
(def k (cloneable-reset (fn [] (string/join "+" (map (fn [x] (show (ask x))) [1 2 3])))))
(println (k "two") (k 20) (k [2]))
