;; Every top-level form runs under an implicit prompt; for (def x e) it surrounds e.
(def saved #f)
(def result (+ 1 (cloneable-shift [k] (set! saved k) 10)))
(println result)
(println (resume saved 42))
(println (saved 1) result)

;; a shift in a non-def top-level form replaces the whole form
(println "this line is abandoned" (cloneable-shift [k] :gone))
(println "this line runs once" (cloneable-shift [k] (k 7)))
(println "twice" (cloneable-shift [k] (k 1) (k 2)))

;; a top-level shift reached through a function call
(defn ask-number [] (cloneable-shift [k] (k 20)))
(def doubled (* 2 (ask-number)))
(println doubled)

;; the top-level continuation does not include later top-level forms
(def later-k nil)
(def value (list :v (cloneable-shift [k] (set! later-k k) :initial)))
(println value)
(println (later-k :resumed))
(println value)
