//! Field paths for error locations, and walking a type's children without collecting
//! them: both run for every nested array of every batch read.

use quiver_array::{DataType, Field};

/// Child `j` of `dt`, in the order of [`DataType::children`], without collecting them.
pub(crate) fn nth_child(dt: &DataType, j: usize) -> Option<&Field> {
    match dt {
        DataType::List(f)
        | DataType::ListView(f)
        | DataType::FixedSizeList(f, _)
        | DataType::LargeList(f)
        | DataType::LargeListView(f)
        | DataType::Map(f, _) => (j == 0).then_some(f.as_ref()),
        DataType::Struct(fs) | DataType::Union { fields: fs, .. } => fs.get(j),
        DataType::RunEndEncoded(a, b) => match j {
            0 => Some(a.as_ref()),
            1 => Some(b.as_ref()),
            _ => None,
        },
        _ => None,
    }
}

/// Where a field is in the schema, like `a.b[].c`, for error locations. It is spelled
/// out only when an error needs it, so reading nested fields allocates no paths.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FieldPath<'p> {
    /// A top-level field, by name.
    Top(&'p str),
    /// The values of the dictionary with this id.
    Dictionary(i64),
    /// A struct, union or run-end encoded child, by name.
    Child {
        /// The parent's path.
        parent: &'p FieldPath<'p>,
        /// The child's name.
        name: &'p str,
    },
    /// The values of a list, list view, fixed-size list or map.
    Item(&'p FieldPath<'p>),
}

impl<'p> FieldPath<'p> {
    /// The path of `child`, a child field of `parent` (of type `dt`).
    pub(crate) fn child(parent: &'p FieldPath<'p>, dt: &DataType, child: &'p Field) -> Self {
        match dt {
            DataType::List(_)
            | DataType::LargeList(_)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
            | DataType::FixedSizeList(..)
            | DataType::Map(..) => FieldPath::Item(parent),
            _ => FieldPath::Child {
                parent,
                name: child.name(),
            },
        }
    }
}

impl std::fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldPath::Top(name) => f.write_str(name),
            FieldPath::Dictionary(id) => write!(f, "<dictionary {id}>"),
            FieldPath::Child { parent, name } => write!(f, "{parent}.{name}"),
            FieldPath::Item(parent) => write!(f, "{parent}[]"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_spelled_like_the_schema() {
        let item = Field::new("item", DataType::Int32, true);
        let list = DataType::List(item.clone().into());
        let inner = Field::new("c", list.clone(), true);
        let strukt = DataType::Struct(vec![Field::new("b", DataType::Int8, true), inner]);

        let top = FieldPath::Top("a");
        let c = FieldPath::child(&top, &strukt, nth_child(&strukt, 1).unwrap());
        let values = FieldPath::child(&c, &list, nth_child(&list, 0).unwrap());
        assert_eq!(c.to_string(), "a.c");
        assert_eq!(values.to_string(), "a.c[]");
        let dict = FieldPath::Dictionary(7);
        let in_dict = FieldPath::child(&dict, &strukt, nth_child(&strukt, 0).unwrap());
        assert_eq!(in_dict.to_string(), "<dictionary 7>.b");
    }

    #[test]
    fn nth_child_walks_the_children_in_their_order() {
        let a = Field::new("a", DataType::Int32, true);
        let b = Field::new("b", DataType::Utf8, true);
        let types = [
            DataType::Struct(vec![a.clone(), b.clone()]),
            DataType::RunEndEncoded(a.clone().into(), b.clone().into()),
            DataType::Map(a.clone().into(), false),
            DataType::List(b.clone().into()),
            DataType::Int64,
        ];
        for t in &types {
            let walked: Vec<&Field> = (0..).map_while(|j| nth_child(t, j)).collect();
            assert_eq!(walked, t.children(), "{t}");
        }
        assert_eq!(nth_child(&types[0], 1), Some(&b));
        assert_eq!(nth_child(&types[1], 2), None);
    }
}
