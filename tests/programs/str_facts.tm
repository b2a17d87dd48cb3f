;; What `str` and `name` know about their operands (compiler/fastpath.py): a local tested
;; with string? or keyword? in the then branch of an if or cond, and library functions
;; that return strings. The results are the library's for every kind of value.
(defn show [v]
  (cond (string? v) (str "s:" v)
        (keyword? v) (str "k:" (name v))
        :else (str "o:" v ":" (name v))))
(println (show "x") (show :kw) (show 'sym) (show 12) (show 1.5) (show nil) (show #t) (show [1 "a"]) (show {:a "b"}))
;; only the then branch knows: the else branch of (string? v) formats v as any value
(defn other [v] (if (string? v) v (str "<" v ">")))
(println (other "a") (other :a) (other [1 2]) (other "b"))
;; a known string from the library, and string/join with a separator that is not a literal
(defn joined [sep xs] (str "[" (string/join "," xs) "|" (string/join xs) "|" (string/join sep xs) "]"))
(println (joined "-" ["a" 1 :k nil]) (joined "" []) (str (pr-str "q" 1) (name "s") (name 'y)))
(defn kind [thunk] (try (thunk) (catch [e] (match e (type-error _) -> :type-error _ -> :other-error))))
(println (kind (fn [] (joined 1 ["a"]))) (kind (fn [] (show (name)))))
