//! The signed-in pages as lazy routes: the browser downloads their code when it first shows
//! one of them, not with the first visit (the sign-in page). `server/scripts/build.sh` cuts
//! the bundle at the `#[lazy]` function below (wasm_split) into the main module (the router,
//! the layout, the sign-in page and what they use) and the chunk of the signed-in pages. On
//! the server a lazy route renders like any other, and the page names the chunk in its head,
//! so a first visit to a signed-in page loads it alongside the main module.

use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute};

use super::*;

/// `Route => page component;`: a unit route per page, whose view comes from the one lazy
/// function of all the signed-in pages. One split point rather than one per page: the
/// splitter gives every set of pages that shares some code a chunk of its own, and with a
/// split per page a page needed 40 to 120 chunk files (one request each) for 5 to 145 KB.
macro_rules! lazy_pages {
    ($($route:ident => $page:path;)*) => {
        /// Which signed-in page to build.
        #[derive(Clone, Copy)]
        enum Page {
            $($route,)*
        }

        /// Every signed-in page: the code behind this function is the bundle's one chunk.
        #[leptos::lazy]
        fn signed_in_page(page: Page) -> AnyView {
            match page {
                $(Page::$route => $page().into_any(),)*
            }
        }

        $(
            #[doc = concat!("The lazy route of `", stringify!($page), "`.")]
            pub struct $route;

            impl $route {
                /// The route's view in `<Route view=… />`.
                pub fn route() -> Lazy<Self> {
                    Lazy::new()
                }
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_: Self) -> AnyView {
                    signed_in_page(Page::$route).await
                }

                // The router awaits this before it hydrates the route: the page must be
                // built at once then, as it was on the server, or hydration finds other
                // markers than the server wrote.
                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    __preload_signed_in_page().await;
                }
            }
        )*
    };
}

lazy_pages! {
    Dashboard => dashboard::DashboardPage;
    Messages => messages::MessagesPage;
    MessageEditor => messages::MessageEditorPage;
    Parameters => parameters::ParametersPage;
    Agenda => agenda::AgendaPage;
    Queue => queue::QueuePage;
    QueueDetail => queue::QueueDetailPage;
    Clients => clients::ClientsPage;
    ClientImport => clients::ClientImportPage;
    Birthdays => clients::BirthdaysPage;
    ClientDetail => clients::ClientDetailPage;
    Integrations => integrations::IntegrationsPage;
    Ixc => integrations::IxcPage;
    Opa => integrations::OpaPage;
    Alerts => integrations::AlertsPage;
    Account => account::AccountPage;
    Audit => audit::AuditPage;
}
