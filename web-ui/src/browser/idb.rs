//! A small key-value store on IndexedDB: one database, one object store, text values. The working
//! document lives here because IndexedDB survives reloads, crashes and closed tabs, and holds
//! documents far larger than local storage allows.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::BrowserError;

const STORE: &str = "documents";
const VERSION: u32 = 1;

/// An open database.
#[derive(Debug, Clone)]
pub struct KeyValueStore {
    database: IdbDatabase,
}

/// A promise that settles when `request` succeeds (with its result) or fails (with its error).
fn request_done(request: &IdbRequest) -> js_sys::Promise {
    let request = request.clone();
    js_sys::Promise::new(&mut |resolve, reject| {
        let succeeded = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve
                .call1(&wasm_bindgen::JsValue::NULL, &succeeded.result().unwrap_or_default());
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move || {
            let error =
                failed.error().ok().flatten().map(wasm_bindgen::JsValue::from).unwrap_or_default();
            let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    })
}

/// A promise that settles when `transaction` has committed (or failed or aborted).
fn transaction_done(transaction: &IdbTransaction) -> js_sys::Promise {
    let transaction = transaction.clone();
    js_sys::Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        let failed = transaction.clone();
        let reject_abort = reject.clone();
        let aborted = transaction.clone();
        let on_error = Closure::once_into_js(move || {
            let error = failed.error().map(wasm_bindgen::JsValue::from).unwrap_or_default();
            let _ = reject.call1(&wasm_bindgen::JsValue::NULL, &error);
        });
        let on_abort = Closure::once_into_js(move || {
            let error = aborted
                .error()
                .map(wasm_bindgen::JsValue::from)
                .unwrap_or_else(|| wasm_bindgen::JsValue::from_str("the transaction was aborted"));
            let _ = reject_abort.call1(&wasm_bindgen::JsValue::NULL, &error);
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    })
}

impl KeyValueStore {
    /// Opens (and on first use creates) the database `name`.
    pub async fn open(name: &str) -> Result<Self, BrowserError> {
        const OPERATION: &str = "opening the browser's document storage (IndexedDB)";
        let factory = web_sys::window()
            .ok_or_else(|| BrowserError::new(OPERATION, "no window"))?
            .indexed_db()
            .map_err(|e| BrowserError::js(OPERATION, e))?
            .ok_or_else(|| {
                BrowserError::new(
                    OPERATION,
                    "this browser does not offer IndexedDB here (private mode?)",
                )
            })?;
        let open =
            factory.open_with_u32(name, VERSION).map_err(|e| BrowserError::js(OPERATION, e))?;
        let upgrading = open.clone();
        let on_upgrade = Closure::once_into_js(move || {
            if let Ok(result) = upgrading.result()
                && let Ok(database) = result.dyn_into::<IdbDatabase>()
                && !database.object_store_names().contains(STORE)
            {
                let _ = database.create_object_store(STORE);
            }
        });
        open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let database = JsFuture::from(request_done(&open))
            .await
            .map_err(|e| BrowserError::js(OPERATION, e))?
            .dyn_into::<IdbDatabase>()
            .map_err(|_| BrowserError::new(OPERATION, "the result is not a database"))?;
        Ok(KeyValueStore { database })
    }

    /// The text stored under `key`, `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<String>, BrowserError> {
        const OPERATION: &str = "reading the saved document";
        let transaction = self
            .database
            .transaction_with_str(STORE)
            .map_err(|e| BrowserError::js(OPERATION, e))?;
        let store = transaction.object_store(STORE).map_err(|e| BrowserError::js(OPERATION, e))?;
        let request = store.get(&key.into()).map_err(|e| BrowserError::js(OPERATION, e))?;
        let value = JsFuture::from(request_done(&request))
            .await
            .map_err(|e| BrowserError::js(OPERATION, e))?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| BrowserError::new(OPERATION, "the stored value is not text"))
    }

    /// Stores `value` under `key`; returns once the write has committed.
    pub async fn put(&self, key: &str, value: &str) -> Result<(), BrowserError> {
        const OPERATION: &str = "saving the document in the browser";
        let transaction = self
            .database
            .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
            .map_err(|e| BrowserError::js(OPERATION, e))?;
        let store = transaction.object_store(STORE).map_err(|e| BrowserError::js(OPERATION, e))?;
        store
            .put_with_key(&value.into(), &key.into())
            .map_err(|e| BrowserError::js(OPERATION, e))?;
        JsFuture::from(transaction_done(&transaction))
            .await
            .map_err(|e| BrowserError::js(OPERATION, e))?;
        Ok(())
    }
}
