//! Writing GGUF files in the canonical layout that ggml and gguf-py write: tensors in order,
//! each at the next multiple of the alignment, zero padding between them and after the last.

use std::borrow::Cow;
use std::io::{self, Write};

use super::reader::{GgufFile, MAX_DIMS, MAX_TENSOR_NAME_LEN};
use super::value::Value;
use super::{ALIGNMENT_KEY, DEFAULT_ALIGNMENT, MAGIC};
use crate::tensor::GgmlType;

struct PendingTensor<'a> {
    name: String,
    shape: Vec<u64>,
    ty: GgmlType,
    data: Cow<'a, [u8]>,
}

/// Builds a GGUF file: metadata and tensors in the order they are added.
pub struct GgufWriter<'a> {
    version: u32,
    metadata: Vec<(String, Value)>,
    tensors: Vec<PendingTensor<'a>>,
}

impl Default for GgufWriter<'_> {
    fn default() -> Self {
        GgufWriter { version: 3, metadata: Vec::new(), tensors: Vec::new() }
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl<'a> GgufWriter<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer holding everything `file` holds (metadata, tensor infos, data borrowed from the
    /// map): writing it unchanged reproduces a canonically laid out file byte for byte.
    pub fn from_file(file: &'a GgufFile) -> Self {
        let mut w = GgufWriter { version: file.header.version, ..Self::default() };
        w.metadata = file.header.metadata.clone();
        for t in file.tensors() {
            w.tensors.push(PendingTensor {
                name: t.name.clone(),
                shape: t.shape.clone(),
                ty: t.ty,
                data: Cow::Borrowed(file.tensor_data(t)),
            });
        }
        w
    }

    /// Sets `key`, replacing its value in place if present (so the key keeps its position).
    pub fn set(&mut self, key: &str, value: Value) {
        match self.metadata.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.metadata.push((key.to_owned(), value)),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.metadata.retain(|(k, _)| k != key);
    }

    pub fn metadata(&self) -> &[(String, Value)] {
        &self.metadata
    }

    /// Drops the tensor `name`, if present.
    pub fn remove_tensor(&mut self, name: &str) {
        self.tensors.retain(|t| t.name != name);
    }

    /// Adds a tensor; `data` must hold exactly the bytes of `shape` in `ty`.
    pub fn add_tensor(&mut self, name: &str, shape: &[u64], ty: GgmlType, data: impl Into<Cow<'a, [u8]>>) -> io::Result<()> {
        let data = data.into();
        if name.len() >= MAX_TENSOR_NAME_LEN {
            return Err(invalid(format!("tensor name '{name}' is {} bytes; ggml allows at most {}", name.len(), MAX_TENSOR_NAME_LEN - 1)));
        }
        if shape.len() > MAX_DIMS as usize {
            return Err(invalid(format!("tensor '{name}' has {} dimensions; GGUF allows at most {MAX_DIMS}", shape.len())));
        }
        if self.tensors.iter().any(|t| t.name == name) {
            return Err(invalid(format!("duplicate tensor name '{name}'")));
        }
        let n: u64 = shape.iter().product();
        let expected = usize::try_from(n).ok().and_then(|n| ty.row_bytes(n));
        if expected != Some(data.len()) {
            return Err(invalid(format!("tensor '{name}' {shape:?} {ty}: {} bytes given, {expected:?} expected", data.len())));
        }
        self.tensors.push(PendingTensor { name: name.to_owned(), shape: shape.to_vec(), ty, data });
        Ok(())
    }

    fn alignment(&self) -> io::Result<u64> {
        match self.metadata.iter().find(|(k, _)| k == ALIGNMENT_KEY) {
            None => Ok(DEFAULT_ALIGNMENT as u64),
            Some((_, Value::U32(a))) if a.is_power_of_two() => Ok(*a as u64),
            Some((_, other)) => Err(invalid(format!("{ALIGNMENT_KEY} must be a u32 power of two, not {other}"))),
        }
    }

    /// Writes the file; returns the number of bytes written.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<u64> {
        let alignment = self.alignment()?;
        let mut w = CountingWriter { inner: out, written: 0 };
        w.write_all(&MAGIC)?;
        w.write_all(&self.version.to_le_bytes())?;
        w.write_all(&(self.tensors.len() as u64).to_le_bytes())?;
        w.write_all(&(self.metadata.len() as u64).to_le_bytes())?;
        for (key, value) in &self.metadata {
            write_string(&mut w, key.as_bytes())?;
            w.write_all(&value.value_type().id().to_le_bytes())?;
            write_value(&mut w, value)?;
        }
        let mut offset = 0u64;
        for t in &self.tensors {
            write_string(&mut w, t.name.as_bytes())?;
            w.write_all(&(t.shape.len() as u32).to_le_bytes())?;
            for d in &t.shape {
                w.write_all(&d.to_le_bytes())?;
            }
            w.write_all(&t.ty.id().to_le_bytes())?;
            w.write_all(&offset.to_le_bytes())?;
            offset += (t.data.len() as u64).next_multiple_of(alignment);
        }
        if !self.tensors.is_empty() {
            w.pad(alignment)?;
        }
        for t in &self.tensors {
            w.write_all(&t.data)?;
            w.pad(alignment)?;
        }
        Ok(w.written)
    }

    /// Writes the file to `path` atomically (a temporary file renamed into place).
    pub fn write_file(&self, path: &std::path::Path) -> io::Result<u64> {
        let tmp = path.with_extension("gguf.partial");
        let result = (|| {
            let mut file = io::BufWriter::new(std::fs::File::create(&tmp)?);
            let n = self.write_to(&mut file)?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            Ok(n)
        })();
        match result {
            Ok(n) => std::fs::rename(&tmp, path).map(|_| n),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }
}

struct CountingWriter<'w, W: Write> {
    inner: &'w mut W,
    written: u64,
}

impl<W: Write> CountingWriter<'_, W> {
    fn pad(&mut self, alignment: u64) -> io::Result<()> {
        let pad = self.written.next_multiple_of(alignment) - self.written;
        self.write_all(&vec![0u8; pad as usize])
    }
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn write_string(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    w.write_all(&(s.len() as u64).to_le_bytes())?;
    w.write_all(s)
}

fn write_value(w: &mut impl Write, value: &Value) -> io::Result<()> {
    match value {
        Value::U8(v) => w.write_all(&v.to_le_bytes()),
        Value::I8(v) => w.write_all(&v.to_le_bytes()),
        Value::U16(v) => w.write_all(&v.to_le_bytes()),
        Value::I16(v) => w.write_all(&v.to_le_bytes()),
        Value::U32(v) => w.write_all(&v.to_le_bytes()),
        Value::I32(v) => w.write_all(&v.to_le_bytes()),
        Value::F32(v) => w.write_all(&v.to_le_bytes()),
        Value::Bool(v) => w.write_all(&[*v as u8]),
        Value::String(s) => write_string(w, s),
        Value::U64(v) => w.write_all(&v.to_le_bytes()),
        Value::I64(v) => w.write_all(&v.to_le_bytes()),
        Value::F64(v) => w.write_all(&v.to_le_bytes()),
        Value::Array(elem, items) => {
            if let Some(bad) = items.iter().find(|item| item.value_type() != *elem) {
                return Err(invalid(format!("array of {elem} holds a {}", bad.value_type())));
            }
            w.write_all(&elem.id().to_le_bytes())?;
            w.write_all(&(items.len() as u64).to_le_bytes())?;
            items.iter().try_for_each(|item| write_value(w, item))
        }
    }
}
