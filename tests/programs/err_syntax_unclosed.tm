;; An unclosed list.
(def before 1)
(defn broken [x]
  (+ x 1)
