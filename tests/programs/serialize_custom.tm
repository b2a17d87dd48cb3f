;; Custom Serializable and Resource-Serializable instances.
(struct Temp [celsius : int64])
(instance Serializable Temp
  (serialize [t] [:temp t.celsius])
  (deserialize [rep] (Temp (+ 1000 (nth rep 1)))))
(println (deserialize (serialize (Temp 5))))
(println (deserialize (serialize [(Temp 1) (Temp 2)])))

;; Resource-Serializable wins when a type has both
(struct Conn [host : string])
(instance Serializable Conn
  (serialize [c] "plain")
  (deserialize [r] (Conn "from-serializable")))
(instance Resource-Serializable Conn
  (marshal [c] c.host)
  (unmarshal [h] (Conn (str "reconnected-" h))))
(println (deserialize (serialize (Conn "db"))))

;; a resource held in a suspended frame is re-acquired when the copy is loaded
(defn use-conn [host]
  (let [c (Conn host)]
    (def req (cloneable-shift [k] k))
    (str "query " req " on " c.host)))
(def k (cloneable-reset (fn [] (use-conn "db1"))))
(println (k "a"))
(def k2 (deserialize (serialize k)))
(println (k2 "b"))

;; the derived structural instance
(struct Order [id : int64 items : any])
(instance Serializable Order)
(def o (deserialize (serialize (Order 7 ["x" "y"]))))
(println o (Order? o) o.items)
