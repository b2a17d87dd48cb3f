;; The benchmark's three-step flow (the same shape as ../shared/peers/racket-web/sum.rkt),
;; continuations in the page: compressed and signed with the app key.
(web-options {:storage :page})
(defn ask [label]
  (send/suspend/dispatch
    (fn [embed-url]
      [:html [:body
        [:form {:action (embed-url (fn [req] (parse-int (form-value req "n")))) :method "post"}
          [:label label] [:input {:type "text" :name "n"}]
          [:input {:type "submit" :value "next"}]]]])))

(defpage "/sum" [req]
  (def a (ask "First number:"))
  (def b (ask "Second number:"))
  [:html [:body [:p "Sum: " [:span {:id "sum"} (str (+ a b))]]]])
