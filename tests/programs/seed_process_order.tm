;; The seed guide's persistent workflow, written in the guide's order (the
;; checkpoint macro is defined after the function that uses it), with the
;; user-supplied functions the guide leaves out.
(def charges (ref 0))
(defn load-order [id]
  (println "loading order" id)
  {:id id :payment-info "visa-4242"})
(defn valid-order? [order] (string? order.payment-info))
(defn charge-payment [info]
  (swap! charges inc)
  (println "charging" info)
  (str "charge-for-" info))
(defn fulfill [order charge]
  (println "fulfilling order" order.id)
  (str "shipped " order.id " with " charge))

(defn process-order [order-id]
  ;; Step 1: Validate order
  (def order (load-order order-id))
  (unless (valid-order? order)
    (throw (validation-error "Invalid order")))
  (checkpoint "order-validated" order)

  ;; Step 2: Charge payment (slow network call)
  (def charge-result (charge-payment order.payment-info))
  (checkpoint "payment-charged" charge-result)

  ;; Step 3: Fulfill order
  (def fulfillment (fulfill order charge-result))
  (checkpoint "order-fulfilled" fulfillment)

  fulfillment)

;; Checkpointing macro
(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     ;; Save continuation to disk
     (def checkpoint-file (str "checkpoint-" ~name ".bin"))
     (write-file checkpoint-file (serialize k))
     ;; Resume immediately on first run
     (continue k ~value)))

;; On crash, user can resume from last checkpoint
(defn resume-from-checkpoint [name]
  (def checkpoint-file (str "checkpoint-" name ".bin"))
  (def k (deserialize (read-file checkpoint-file)))
  (resume k))

(defn main []
  (println "result:" (cloneable-reset (fn [] (process-order 1))))
  (println "charges:" (deref charges))
  (println (file-exists? "checkpoint-order-validated.bin")
           (file-exists? "checkpoint-payment-charged.bin")
           (file-exists? "checkpoint-order-fulfilled.bin"))
  (println "resumed:" (resume-from-checkpoint "payment-charged"))
  (println "charges:" (deref charges))
  (println "resumed:" (resume-from-checkpoint "order-fulfilled"))
  (println "resumed:" (resume-from-checkpoint "order-validated"))
  (println "charges:" (deref charges))
  (for-each ["order-validated" "payment-charged" "order-fulfilled"]
            (fn [n] (delete-file (str "checkpoint-" n ".bin")))))
