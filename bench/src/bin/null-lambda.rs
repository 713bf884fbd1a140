//! The floor of the Runtime API harness: a lambda_http function that answers 200 and touches
//! nothing (same lambda_http features and runtime flavour as the real functions, no SDK).

use lambda_http::{run, service_fn, Body, Error, Request, Response};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    run(service_fn(|_request: Request| async {
        Ok::<_, Error>(Response::new(Body::Empty))
    }))
    .await
}
