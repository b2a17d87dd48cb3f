;; The seed guide's persistent workflow, as a durable workflow: each step's result
;; and the continuation after it are committed to the database (./turmeric.db, or
;; --db URL / TURMERIC_DB) in one transaction; after a crash the workflow resumes
;; from its last checkpoint, with its locals, and a committed step never runs again.
;;
;;     turmeric run process_order.tm            # order 17: load, charge, sleep 2 s,
;;                                              # receive the approval, fulfil
;; To see a crash and a recovery: kill it during the 2-second sleep (after "charged"),
;; then run it again:
;;     turmeric run process_order.tm & sleep 1.5; kill -9 $!
;;     turmeric run process_order.tm            # resumes order-17 after the charge
;;     cat charges.log                          # one line: it was charged once
;;     turmeric workflows show order-17         # its steps, results and events
;;
;; Charges and fulfilments are appended to charges.log and fulfilled.log.

(struct Order [id : int64 item : string payment-info : string])
(instance Serializable Order)          ; an Order is held in a local across steps

(defn append-line [path line]
  (def fh (open-file path "a"))
  (write-line fh line)
  (close fh))

(defn load-order [order-id]
  (println "loading order" order-id)
  (Order order-id "green tea" (str "card-" (+ 4240 order-id))))

(defn charge-payment [order]
  ;; a payment provider would get (workflow-id) as the idempotency key
  (append-line "charges.log" (str "charged " order.payment-info " key " (workflow-id)))
  (println "charged" order.payment-info)
  (str "receipt-" order.payment-info))

(defn fulfill [order charge]
  (append-line "fulfilled.log" (str "order " order.id " " charge))
  (println "fulfilled order" order.id)
  (str "shipped order " order.id " (" order.item "), " charge))

(defworkflow process-order [order-id]
  (def order (step (load-order order-id)))          ; runs once; result is durable
  (def charge (step (charge-payment order)))
  (sleep-for 2)                                     ; durable timer, in seconds
  (def ok (recv "approval" :timeout 60))            ; nil on timeout
  (set-event "status" "charged")
  (if ok
    (step (fulfill order charge))
    "not approved"))

(defn main []
  (def id (start-workflow process-order [17] :id "order-17"))   ; same id again: no new run
  (when (= (workflow-status id) :pending)
    (send id "approval" #t))
  (println "status event:" (get-event id "status" :timeout 10))
  (println "result:" (await-workflow id))
  (println "status:" (workflow-status id)))
