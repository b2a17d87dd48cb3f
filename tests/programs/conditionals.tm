;; if / do / when / unless / cond / and / or.
(println (if #t :yes :no) (if #f :yes :no) (if #f :yes))
(println (do 1 2 3))
(println (do (println "side effect") :done))
(println (when (> 2 1) (println "in when") :when-value))
(println (when (< 2 1) (println "never printed") :x))
(println (unless (< 2 1) :unless-value) (unless #t :x))
(defn classify [n]
  (cond
    (< n 0) :negative
    (= n 0) :zero
    (< n 10) :small
    :else :large))
(println (map classify [-5 0 3 42]))
(println (cond #f 1 nil 2))
(println (and) (and 1 2) (and 1 nil 2) (and #f (println "not evaluated")))
(println (or) (or nil #f 3) (or nil #f) (or 1 (println "not evaluated")))
(println (and 1 #f) (or #f nil))
(defn sign [n] (if (< n 0) "-" (if (= n 0) "0" "+")))
(println (sign -3) (sign 0) (sign 8))
