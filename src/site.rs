//! A tiny virtual-host web server on loopback, serving HTTP and HTTPS for a set of made-up
//! hostnames. `cookiescan demo` and the integration tests point Chromium at it through
//! `--host-resolver-rules`, so a whole multi-site crawl runs offline.

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use tokio::task::JoinHandle;

/// One request as the handler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRequest {
    pub https: bool,
    /// Lower-case, without port.
    pub host: String,
    pub path: String,
    pub query: Option<String>,
    /// The Cookie header (HTTP/2 may split it into several fields; they are joined with `; `).
    pub cookie: Option<String>,
}

/// What the handler answers. Every response gets `Cache-Control: no-store` unless the handler
/// sets its own, so that each page visit re-fetches its subresources and their Set-Cookie
/// headers are seen again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The server waits this long before answering (slow or hanging pages).
    pub delay: Option<Duration>,
}

impl SiteResponse {
    pub fn html(body: impl Into<String>) -> Self {
        Self::text("text/html; charset=utf-8", body)
    }

    pub fn text(content_type: &str, body: impl Into<String>) -> Self {
        Self::bytes(content_type, body.into().into_bytes())
    }

    pub fn bytes(content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
            delay: None,
        }
    }

    pub fn not_found() -> Self {
        Self::html("<!doctype html><title>Not found</title><h1>Not found</h1>").status(404)
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
            delay: None,
        }
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds one `Set-Cookie` header; call it once per cookie.
    pub fn cookie(self, set_cookie_line: &str) -> Self {
        self.header("Set-Cookie", set_cookie_line)
    }

    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// A 1×1 transparent GIF, for tracking pixels.
pub const TRANSPARENT_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub type Handler = Arc<dyn Fn(&SiteRequest) -> SiteResponse + Send + Sync>;

/// A running server. Dropping it (or [`SiteServer::shutdown`]) closes the listeners and every
/// open connection, including requests still sleeping in a delay.
pub struct SiteServer {
    hostnames: Vec<String>,
    http_port: u16,
    https_port: u16,
    cert_pem: String,
    hits: Arc<Mutex<Vec<String>>>,
    handle: Handle<SocketAddr>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl SiteServer {
    /// Binds HTTP and HTTPS on 127.0.0.1 (ephemeral ports) and starts serving `hostnames`.
    /// Requests for other hosts still reach the handler; it decides what to answer.
    pub async fn start(hostnames: &[&str], handler: Handler) -> std::io::Result<SiteServer> {
        // Fails only when a provider is already installed, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let cert = rcgen::generate_simple_self_signed(certificate_names(hostnames))
            .map_err(std::io::Error::other)?;
        let cert_pem = cert.cert.pem();
        let tls = RustlsConfig::from_pem(
            cert_pem.clone().into_bytes(),
            cert.signing_key.serialize_pem().into_bytes(),
        )
        .await?;

        let http_listener = TcpListener::bind("127.0.0.1:0")?;
        let https_listener = TcpListener::bind("127.0.0.1:0")?;
        let http_port = http_listener.local_addr()?.port();
        let https_port = https_listener.local_addr()?.port();

        let hits = Arc::new(Mutex::new(Vec::new()));
        let handle = Handle::new();
        let http = axum_server::from_tcp(http_listener)?
            .handle(handle.clone())
            .serve(router(false, handler.clone(), hits.clone()).into_make_service());
        let https = axum_server::tls_rustls::from_tcp_rustls(https_listener, tls)?
            .handle(handle.clone())
            .serve(router(true, handler, hits.clone()).into_make_service());

        Ok(SiteServer {
            hostnames: hostnames.iter().map(|h| h.to_string()).collect(),
            http_port,
            https_port,
            cert_pem,
            hits,
            handle,
            tasks: vec![tokio::spawn(http), tokio::spawn(https)],
        })
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    /// The self-signed certificate served on HTTPS, for clients that want to trust it.
    pub fn certificate_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A value for Chromium's `--host-resolver-rules`. The final catch-all makes every other
    /// name fail to resolve, so nothing the browser does can reach the internet.
    pub fn host_resolver_rules(&self) -> String {
        let mut rules: Vec<String> = self
            .hostnames
            .iter()
            .flat_map(|h| {
                [
                    format!("MAP {h}:80 127.0.0.1:{}", self.http_port),
                    format!("MAP {h}:443 127.0.0.1:{}", self.https_port),
                ]
            })
            .collect();
        rules.push("MAP * ~NOTFOUND".into());
        rules.join(", ")
    }

    /// Every request received so far, as `scheme://host/path?query`, in arrival order.
    pub fn hits(&self) -> Vec<String> {
        lock(&self.hits).clone()
    }

    pub async fn shutdown(mut self) {
        self.handle.shutdown();
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for SiteServer {
    fn drop(&mut self) {
        // Connection tasks watch the handle and end on it; the accept loops are aborted too
        // in case the runtime never polls them again.
        self.handle.shutdown();
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The names on the certificate: each hostname plus a wildcard for its parent domain, so a
/// test can add a sibling host without a new certificate. No wildcard directly under a TLD.
fn certificate_names(hostnames: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for host in hostnames {
        let mut candidates = vec![host.to_string()];
        if let Some((_, parent)) = host.split_once('.')
            && parent.contains('.')
        {
            candidates.push(format!("*.{parent}"));
        }
        for name in candidates {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

fn router(https: bool, handler: Handler, hits: Arc<Mutex<Vec<String>>>) -> Router {
    Router::new().fallback(move |req: Request| {
        let handler = handler.clone();
        let hits = hits.clone();
        async move {
            let site_req = site_request(https, &req);
            lock(&hits).push(hit_url(&site_req));
            let resp = handler(&site_req);
            if let Some(delay) = resp.delay {
                tokio::time::sleep(delay).await;
            }
            into_response(resp)
        }
    })
}

fn site_request(https: bool, req: &Request) -> SiteRequest {
    // HTTP/2 requests carry the authority in the URI and no Host header.
    let authority = req.uri().host().map(str::to_string).or_else(|| {
        req.headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let host = authority.as_deref().map(strip_port).unwrap_or_default();
    let cookies: Vec<&str> = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    SiteRequest {
        https,
        host,
        path: req.uri().path().to_string(),
        query: req.uri().query().map(str::to_string),
        cookie: (!cookies.is_empty()).then(|| cookies.join("; ")),
    }
}

fn strip_port(authority: &str) -> String {
    let host = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

fn hit_url(req: &SiteRequest) -> String {
    let scheme = if req.https { "https" } else { "http" };
    match &req.query {
        Some(q) => format!("{scheme}://{}{}?{q}", req.host, req.path),
        None => format!("{scheme}://{}{}", req.host, req.path),
    }
}

fn into_response(resp: SiteResponse) -> Response {
    let mut out = Response::new(Body::from(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = out.headers_mut();
    for (name, value) in &resp.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => tracing::warn!(%name, %value, "site handler returned an invalid header; dropped"),
        }
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    out
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking handler must not take the hit log down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn test_handler() -> Handler {
        Arc::new(
            |req: &SiteRequest| match (req.host.as_str(), req.path.as_str()) {
                ("www.x.test", "/") => SiteResponse::html(format!(
                    "home https={} cookie={}",
                    req.https,
                    req.cookie.as_deref().unwrap_or("-")
                ))
                .cookie("a=1; Path=/; HttpOnly")
                .cookie("b=2; Path=/"),
                ("www.x.test", "/slow") => {
                    SiteResponse::html("slow").delay(Duration::from_secs(3600))
                }
                _ => SiteResponse::not_found(),
            },
        )
    }

    async fn http_get(port: u16, request: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_plain_http_by_host_header() {
        let server = SiteServer::start(&["www.x.test"], test_handler())
            .await
            .unwrap();
        let resp = http_get(
            server.http_port(),
            "GET /?q=1 HTTP/1.1\r\nHost: WWW.X.test:80\r\nCookie: c=3\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
        assert!(
            resp.contains("set-cookie: a=1; Path=/; HttpOnly\r\n"),
            "{resp}"
        );
        assert!(resp.contains("set-cookie: b=2; Path=/\r\n"), "{resp}");
        assert!(resp.contains("cache-control: no-store\r\n"), "{resp}");
        assert!(resp.ends_with("home https=false cookie=c=3"), "{resp}");

        let resp = http_get(
            server.http_port(),
            "GET /nope HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(resp.starts_with("HTTP/1.1 404"), "{resp}");

        assert_eq!(
            server.hits(),
            ["http://www.x.test/?q=1", "http://other.test/nope"]
        );
        server.shutdown().await;
    }

    #[tokio::test]
    async fn absolute_uri_host_wins_over_host_header() {
        // Stands in for HTTP/2, where only the URI carries the authority.
        let server = SiteServer::start(&["www.x.test"], test_handler())
            .await
            .unwrap();
        let resp = http_get(
            server.http_port(),
            "GET http://www.x.test/ HTTP/1.1\r\nHost: elsewhere.test\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
        assert_eq!(server.hits(), ["http://www.x.test/"]);
    }

    #[tokio::test]
    async fn serves_https_with_a_certificate_for_the_hostnames() {
        use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
        use std::io::{Read, Write};

        let server = SiteServer::start(&["www.x.test"], test_handler())
            .await
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(server.certificate_pem().as_bytes()).unwrap())
            .unwrap();
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let port = server.https_port();
        // The wildcard for the parent domain must verify too.
        for name in ["www.x.test", "blog.x.test"] {
            let config = Arc::new(config.clone());
            let resp = tokio::task::spawn_blocking(move || {
                let conn =
                    rustls::ClientConnection::new(config, ServerName::try_from(name).unwrap())
                        .unwrap();
                let sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, sock);
                write!(
                    tls,
                    "GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut out = Vec::new();
                // The server may close without close_notify; what was read is enough.
                let _ = tls.read_to_end(&mut out);
                String::from_utf8_lossy(&out).into_owned()
            })
            .await
            .unwrap();
            let expected = if name == "www.x.test" { "200" } else { "404" };
            assert!(resp.starts_with(&format!("HTTP/1.1 {expected}")), "{resp}");
        }
        assert_eq!(
            server.hits(),
            ["https://www.x.test/", "https://blog.x.test/"]
        );
    }

    #[tokio::test]
    async fn shutdown_ends_pending_delays_and_closes_listeners() {
        let server = SiteServer::start(&["www.x.test"], test_handler())
            .await
            .unwrap();
        let port = server.http_port();
        let pending = tokio::spawn(http_get(
            port,
            "GET /slow HTTP/1.1\r\nHost: www.x.test\r\nConnection: close\r\n\r\n",
        ));
        while server.hits().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::timeout(Duration::from_secs(5), server.shutdown())
            .await
            .unwrap();
        let resp = tokio::time::timeout(Duration::from_secs(5), pending)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(resp, "");
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
        );
    }

    #[test]
    fn resolver_rules_map_every_host_and_nothing_else() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = SiteServer::start(&["a.x.test", "b.y.test"], test_handler())
                .await
                .unwrap();
            let (h, s) = (server.http_port(), server.https_port());
            assert_eq!(
                server.host_resolver_rules(),
                format!(
                    "MAP a.x.test:80 127.0.0.1:{h}, MAP a.x.test:443 127.0.0.1:{s}, \
                     MAP b.y.test:80 127.0.0.1:{h}, MAP b.y.test:443 127.0.0.1:{s}, \
                     MAP * ~NOTFOUND"
                )
            );
        });
    }

    #[test]
    fn certificate_names_add_parent_wildcards_once() {
        assert_eq!(
            certificate_names(&["www.shop.test", "blog.shop.test", "x.test"]),
            ["www.shop.test", "*.shop.test", "blog.shop.test", "x.test"]
        );
    }
}
