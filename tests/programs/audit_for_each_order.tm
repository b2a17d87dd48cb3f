(module audit-for-each-order)
;; `(for-each coll f)` evaluates coll, then f, as every call evaluates its arguments left to
;; right; the compiler's inline loop over a function value (fastpath.py SiteHOF) must too,
;; also when f's expression assigns the variable coll reads, or coll's assigns f, and when
;; a continuation captured inside f is resumed. Each line sets the inline form beside the
;; same call through a value of the library's for-each.
(defn grab [] (cloneable-shift [k] k))
(def events (ref []))
(defn note [e] (swap! events conj e))
(defn seen [] (let [e @events] (ref-set! events []) e))
(defn tagger [tag] (fn [x] (note [tag x])))
(def gfe for-each)

(for-each (do (note :coll) [1 2]) (do (note :f) (tagger :a)))
(gfe (do (note :coll) [1 2]) (do (note :f) (tagger :a)))
(println :order (seen))

(defn set-f [xs] (let [f (tagger :old)] (for-each (do (set! f (tagger :new)) xs) f)))
(defn set-f2 [xs] (let [f (tagger :old)] (gfe (do (set! f (tagger :new)) xs) f)))
(set-f [1]) (set-f2 [1])
(println :coll-sets-f (seen))

(defn set-xs [xs] (for-each xs (do (set! xs [9]) (tagger :x))))
(defn set-xs2 [xs] (gfe xs (do (set! xs [9]) (tagger :x))))
(set-xs [1]) (set-xs2 [1])
(println :f-sets-coll (seen))

(println :not-a-coll (try (for-each (do (note :coll) 5) (do (note :f) (tagger :a))) (catch [e] (type-of e)))
         (try (gfe (do (note :coll) 5) (do (note :f) (tagger :a))) (catch [e] (type-of e))) (seen))

(defn grabber [x] (note [:x (if (= x 2) (grab) x)]))
(def k (cloneable-reset (fn [] (for-each (do (note :coll) [1 2 3]) (do (note :f) grabber)) (seen))))
(println :captured (seen))
(println :resumed (k 20) (k 30) ((deserialize (serialize k)) 40))
