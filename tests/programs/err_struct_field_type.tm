;; A primitive field type is checked at construction.
(struct Account [owner : string balance : int64])
(println (Account "ann" 10))
(Account "bob" "ten")
