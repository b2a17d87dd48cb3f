;; A map literal needs an even number of forms.
(def m {:a 1 :b})
