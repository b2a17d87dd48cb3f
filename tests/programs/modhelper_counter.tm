;; Helper module without a (module ...) form: its name is the file stem.
(println "modhelper_counter loaded")
(def count-so-far 0)
(defn tick []
  (set! count-so-far (+ count-so-far 1))
  count-so-far)
