;; Uncaught user struct.
(struct order-rejected [order-id : int64 reason : string])

(throw (order-rejected 17 "out of stock"))
