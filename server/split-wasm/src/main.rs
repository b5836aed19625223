//! `parabens-split-wasm <input.wasm> <out dir> <name>`: splits the front's WASM (linked with
//! `--emit-relocs`) at its `#[lazy]` functions into `<out dir>/<name>.wasm`, the main module
//! for wasm-bindgen, one `.wasm` per chunk, the loader `__wasm_split.js` (which imports
//! `./<name>.js`, wasm-bindgen's glue) and `__wasm_split_manifest.json`: for each lazy
//! function the chunks it needs, from which Leptos' server names them in a page's `<head>`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, name] = args.as_slice() else {
        eprintln!("usage: parabens-split-wasm <input.wasm> <out dir> <name>");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(out_dir), name) {
        Ok(chunks) => {
            println!("split {input} into {name}.wasm and {chunks} chunks");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parabens-split-wasm: {e:?}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out_dir: &Path, name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let wasm = std::fs::read(input)?;
    std::fs::create_dir_all(out_dir)?;
    let main_out: PathBuf = out_dir.join(format!("{name}.wasm"));
    let main_module = format!("./{name}.js");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = out_dir;
    opts.main_out_path = &main_out;
    opts.main_module = &main_module;
    let split = wasm_split_cli_support::transform(opts).map_err(|e| format!("{e:?}"))?;
    std::fs::write(
        out_dir.join("__wasm_split_manifest.json"),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    Ok(split.split_modules.len())
}
