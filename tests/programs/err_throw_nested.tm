;; The reported location is the throw site inside the innermost function.
(defn level3 [x]
  (throw (validation-error (str "bad value " x))))
(defn level2 [x] (+ 1 (level3 x)))
(defn level1 [x] (* 2 (level2 x)))
(level1 42)
