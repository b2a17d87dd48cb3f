;; A small shop served by `turmeric serve` (docs/web.md). Each flow is one straight-line
;; handler: when it needs the customer's answer it sends a page and waits, and the
;; continuation waits behind the URL of the form. Use the back button, resubmit an old
;; form with another value, open a form in a second tab: each one resumes the same
;; continuation again, independently.
;;
;;     turmeric serve examples/web_shop.tm        # then open http://127.0.0.1:8000/
;;
;; Pages: /            the index
;;        /checkout    the seed guide's get-checkout / post-checkout-submit, as written there
;;        /sum         add two numbers: three pages, one function
;;        /order       choose, count, confirm, pay: a payment runs once per order page,
;;                     however often that page is submitted again

;; Continuations live in the store (the default; {:storage :page} puts them in the page),
;; and a refused or expired link offers to start again at the index.
(web-options {:storage :store :start "/"})

;; --- the seed guide's web example, on top of the web vocabulary ---------------------------

(defn save-continuation-to-db [k] (save-continuation k))      ; sealed, in the store
(defn load-continuation-from-db [token] (load-continuation token))

(defn form [& options]
  (def opts (apply hash-map options))
  [:form {:method "post" :action (get opts :action)}
   [:p [:label "Name " [:input {:name "name" :autofocus #t}]]]
   [:p [:label "City " [:input {:name "city"}]]]
   [:button {:type "submit"} "Buy"]])

(defn render-page [body] (layout "Checkout" body))

(defn parse-form-data [req]
  {:name (form-value req "name") :city (form-value req "city")})

;; Initial page
(defn get-checkout [req]
  (cloneable-shift [k]
    ;; Save continuation to disk, return URL token
    (def token (save-continuation-to-db k))
    (render-page
      (form :action (str "/checkout-submit?token=" token)))))

;; Form submission handler
(defn post-checkout-submit [token req]
  ;; Load and resume continuation
  (def k (load-continuation-from-db token))
  (def response (resume k (parse-form-data req)))
  response)

(def prices {"tea" 12 "teapot" 25 "cups" 8})

(defn checkout [req]
  (def cart ["tea" "teapot"])
  (def form-data (get-checkout req))            ; the page goes out; we resume here
  (render-page
    [:div
     [:p {:id "thanks"} "Thank you " (get form-data :name) ": " (count cart) " items ("
      (string/join ", " cart) ") ship to " (get form-data :city) "."]
     [:p "Total " [:span {:id "total"} (reduce + 0 (map (fn [item] (get prices item)) cart))]]
     [:p [:a {:href "/"} "Back to the shop"]]]))

(defpage "/checkout" [req] (checkout req))
(defpage "/checkout-submit" [req] (post-checkout-submit (query-value req "token") req))

;; --- add two numbers, Racket's classic -----------------------------------------------------

(defn layout [title & body]
  [:html [:head [:meta {:charset "utf-8"}] [:title title]
          [:style (raw "body{font-family:sans-serif;max-width:40em;margin:2em auto} label{display:block;margin:.5em 0} li>a{font-weight:bold}")]]
   [:body [:h1 title] body]])

(defn ask-number [title label]
  (def req (send/suspend
             (fn [k-url]
               (layout title
                 [:form {:action k-url :method "post"}
                  [:label label " " [:input {:name "n" :autofocus #t}]]
                  [:button {:type "submit"} "Next"]]))))
  (def n (parse-int (or (form-value req "n") "")))
  (if (int? n) n (ask-number title (str "Please type a whole number. " label))))

(defpage "/sum" [req]
  (def a (ask-number "Add two numbers" "First number:"))
  (def b (ask-number "Add two numbers" (str "Second number (the first was " a "):")))
  (layout "Add two numbers"
    [:p a " + " b " = " [:span {:id "sum"} (+ a b)]]
    [:p [:a {:href "/sum"} "Again"] " · " [:a {:href "/"} "Shop"]]))

;; --- an order with links that resume differently, and a payment that runs once -----------

(def charges (ref []))                            ; the "payment provider": a global, never in a blob

(defn charge! [who amount]
  (swap! charges conj [who amount])
  (str "receipt-" (count (deref charges))))

(defn choose-item []
  (send/suspend/dispatch
    (fn [embed-url]
      (layout "Order"
        [:p "What would you like?"]
        [:ul (map (fn [item]
                    [:li [:a {:href (embed-url (fn [req] item)) :id (str "item-" item)} item]
                     " (" (get prices item) ")"])
                  (keys prices))]))))

(defn ask-details [item]
  (def req (send/suspend
             (fn [k-url]
               (layout "Order"
                 [:form {:action k-url :method "post"}
                  [:p "How many " item "?"]
                  [:label "Quantity " [:input {:name "qty" :value "1"}]]
                  [:label "Your name " [:input {:name "name"}]]
                  [:button {:type "submit"} "Continue"]]))))
  {:qty (or (parse-int (or (form-value req "qty") "")) 1) :name (or (form-value req "name") "")})

(defn confirm [item details total]
  (send/suspend/dispatch
    (fn [embed-url]
      (layout "Confirm"
        [:p {:id "summary"} (get details :name) ", " (get details :qty) " × " item " = " total]
        [:form {:action (embed-url (fn [req] :pay)) :method "post"} [:button {:id "pay" :type "submit"} "Pay"]]
        [:p [:a {:href (embed-url (fn [req] :cancel)) :id "cancel"} "Cancel"]]))))

(defpage "/order" [req]
  (def item (choose-item))
  (def details (ask-details item))
  (def total (* (get prices item) (get details :qty)))
  (match (confirm item details total)
    :cancel -> (send/back (layout "Order" [:p "Cancelled."] [:p [:a {:href "/order"} "Start again"]]))
    :pay -> (do
              ;; pressing Pay again on this page (back button, a second tab) doesn't charge again
              (def receipt (once (str "pay:" (resume-token)) (fn [] (charge! (get details :name) total))))
              (layout "Paid"
                [:p {:id "paid"} "Paid " total " for " (get details :qty) " × " item ". Receipt " [:span {:id "receipt"} receipt]]
                [:p "Charges so far: " [:span {:id "charges"} (count (deref charges))]]
                [:p [:a {:href "/"} "Shop"]]))))

;; --- the index and a JSON endpoint ---------------------------------------------------------

(defpage "/" [req]
  (layout "Turmeric shop"
    [:ul [:li [:a {:href "/checkout"} "Checkout (the seed guide's example)"]]
         [:li [:a {:href "/sum"} "Add two numbers"]]
         [:li [:a {:href "/order"} "Order something"]]
         [:li [:a {:href "/prices.json"} "Prices as JSON"]]]))

(defpage "/prices.json" [req] (json-response prices))
