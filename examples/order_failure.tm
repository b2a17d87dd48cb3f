;; examples/order_failure.tm: an order that fails half way (docs/debugging.md)
(def stock {"tea" 10 "teapot" 1 "cup" 6})
(def prices {"tea" 6 "teapot" 25 "cup" 4})

(defn reserve [item qty]
  (let [have (get stock item 0)]
    (if (< have qty)
      (throw (str "out of stock: " qty " " item " wanted, " have " left"))
      qty)))

(defn place-order [customer lines]
  (loop [ls lines total 0 shipped []]
    (if (empty? ls)
      {:customer customer :total total :shipped shipped}
      (let [line (first ls)
            item (first line)
            got (reserve item (second line))]
        (recur (rest ls) (+ total (* got (get prices item))) (conj shipped [item got]))))))

(defn main []
  (println "order:" (place-order "ann" [["tea" 2] ["teapot" 2] ["cup" 4]])))
