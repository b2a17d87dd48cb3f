;; A reference to a name that is defined nowhere.
(defn f [x] (+ x this-name-is-not-defined))
(f 1)
